import { GatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';

/** Attaches the legacy session (or opens one for initialize) and applies the concurrency limits. */
export function attachSession(ex: Exchange): (() => void) | undefined {
  const { sessions } = ex.ctx;
  const caller = (ex.identity as NonNullable<Exchange['identity']>).subject;
  const raw = ex.req.headers['mcp-session-id'];
  const sid = Array.isArray(raw) ? raw[0] : raw;
  // MCP 2026-07-28: a session id on a modern request is ignored.
  if (ex.era === 'modern' || sid === undefined) {
    if (
      ex.era === 'legacy' &&
      ex.httpMethod === 'POST' &&
      ex.messages.length === 1 &&
      ex.messages[0]?.method === 'initialize'
    ) {
      const init = ex.messages[0];
      const session = sessions.open(
        ex.upstream.name,
        caller,
        init.params?.protocolVersion as string | undefined,
      );
      ex.session = session;
      sessions.enter(session);
      return () => {
        sessions.leave(session);
        // The one rule for a session's birth: an initialize that did not succeed leaves no session,
        // whatever failed (the upstream, the gateway, the client hanging up).
        if (ex.outcome !== 'ok' || ex.res.statusCode >= 300 || !ex.res.writableEnded) sessions.close(session);
      };
    }
    if (ex.era === 'legacy' && ex.httpMethod !== 'POST' && ex.upstream.kind === 'stdio') {
      throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'Mcp-Session-Id header is required' });
    }
    sessions.enterCaller(caller);
    return () => sessions.leaveCaller(caller);
  }
  const session = sessions.find(sid, ex.upstream.name, caller);
  if (ex.protocolVersion !== undefined) session.protocolVersion = ex.protocolVersion;
  ex.session = session;
  sessions.enter(session);
  return () => sessions.leave(session);
}

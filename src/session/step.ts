import { BATCH_VERSIONS } from '../core/era.ts';
import { GatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';

/** Attaches the legacy session (or opens one for initialize) and applies the concurrency limits. */
export function attachSession(ex: Exchange): (() => void) | undefined {
  const { sessions } = ex.ctx;
  const identity = ex.identity as NonNullable<Exchange['identity']>;
  const caller = identity.subject;
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
        identity,
        init.params?.protocolVersion as string | undefined,
      );
      const info = init.params?.clientInfo as { name?: unknown; version?: unknown } | undefined;
      if (info && typeof info === 'object')
        session.client = {
          name: typeof info.name === 'string' ? info.name.slice(0, 256) : null,
          version: typeof info.version === 'string' ? info.version.slice(0, 64) : null,
        };
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
    if (ex.isBatch && (ex.protocolVersion === undefined || !BATCH_VERSIONS.has(ex.protocolVersion))) {
      throw new GatewayError('CUSTOS_BATCH_NOT_ALLOWED');
    }
    sessions.enterCaller(caller);
    return () => sessions.leaveCaller(caller);
  }
  const session = sessions.find(sid, ex.upstream.name, identity);
  if (ex.protocolVersion !== undefined) session.protocolVersion = ex.protocolVersion;
  // Batches exist only in 2025-03-26 (and the JSON-RPC of 2024-11-05); that version predates the
  // MCP-Protocol-Version header, so the session's negotiated version decides.
  if (ex.isBatch && (session.protocolVersion === undefined || !BATCH_VERSIONS.has(session.protocolVersion))) {
    throw new GatewayError('CUSTOS_BATCH_NOT_ALLOWED');
  }
  ex.session = session;
  sessions.enter(session);
  return () => sessions.leave(session);
}

import { Pool, errors as undiciErrors } from 'undici';
import type { HttpUpstreamConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import { type Exchange, isLongLived, type Upstream } from '../core/exchange.ts';
import type { Session } from '../session/index.ts';
import { isInitialize, markRpcError, writeHead } from './respond.ts';

// An HTTP upstream: the exchange is forwarded as the same era it arrived in, bytes as they came
// (no re-serialisation), over a keep-alive pool. Only the headers the protocol defines travel;
// the caller's Authorization, cookies and Origin never reach the upstream.

const FORWARDED_REQUEST_HEADERS = [
  'content-type',
  'accept',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
];
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'mcp-protocol-version',
  'retry-after',
  'allow',
];

export interface HttpUpstreamOptions {
  timeoutMs: number;
  connections?: number;
}

export function createHttpUpstream(
  name: string,
  cfg: Readonly<HttpUpstreamConfig>,
  opts: HttpUpstreamOptions,
): Upstream {
  const url = new URL(cfg.url);
  const path = url.pathname + url.search;
  const pool = new Pool(url.origin, {
    connections: opts.connections ?? 256,
    keepAliveTimeout: 30_000,
    headersTimeout: opts.timeoutMs,
    // Streams (GET, subscriptions/listen, long tool calls) may stay open indefinitely.
    bodyTimeout: 0,
  });
  const staticHeaders = Object.entries(cfg.headers);

  function buildHeaders(ex: Exchange): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of staticHeaders) out[k.toLowerCase()] = v;
    const h = ex.req.headers;
    for (const k of FORWARDED_REQUEST_HEADERS) {
      const v = h[k];
      if (typeof v === 'string') out[k] = v;
    }
    // MCP 2026-07-28 streamable-http: intermediaries MUST forward Mcp-Param-* headers they do not recognise.
    for (const k in h) {
      if (k.startsWith('mcp-param-')) {
        const v = h[k];
        if (typeof v === 'string') out[k] = v;
      }
    }
    const upstreamSession = ex.session?.upstreamSessionId;
    if (upstreamSession !== undefined && ex.era === 'legacy') out['mcp-session-id'] = upstreamSession;
    return out;
  }

  async function forward(ex: Exchange): Promise<void> {
    const session = ex.session;
    if (ex.httpMethod === 'DELETE' && session && session.upstreamSessionId === undefined) {
      // The upstream is stateless; the session exists only here.
      ex.ctx.sessions.close(session);
      writeHead(ex, 200, {});
      ex.res.end();
      return;
    }
    const abort = new AbortController();
    const onClose = (): void => {
      if (!ex.res.writableFinished) abort.abort();
    };
    ex.res.once('close', onClose);
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await pool.request({
        path,
        method: ex.httpMethod,
        headers: buildHeaders(ex),
        body: ex.body ?? null,
        signal: abort.signal,
      });
    } catch (err) {
      ex.res.off('close', onClose);
      if (abort.signal.aborted) return; // the client went away
      if (err instanceof undiciErrors.HeadersTimeoutError) {
        throw new GatewayError('CUSTOS_UPSTREAM_TIMEOUT', { detail: `server '${name}'`, cause: err });
      }
      throw new GatewayError('CUSTOS_UPSTREAM_UNAVAILABLE', { detail: `server '${name}'`, cause: err });
    }
    ex.upstreamNs = process.hrtime.bigint();
    const { statusCode, headers, body } = response;
    const out: Record<string, string> = Object.create(null);
    for (const k of FORWARDED_RESPONSE_HEADERS) {
      const v = headers[k];
      if (typeof v === 'string') out[k] = v;
    }

    if (session) {
      if (isInitialize(ex)) {
        const upstreamId = headers['mcp-session-id'];
        if (statusCode >= 200 && statusCode < 300) {
          if (typeof upstreamId === 'string') {
            session.upstreamSessionId = upstreamId;
            // Idle expiry and shutdown end the upstream session too.
            session.onClose = () => void endSession(session);
          }
          out['mcp-session-id'] = session.id;
        }
      } else if (
        (statusCode === 404 && session.upstreamSessionId !== undefined) ||
        (ex.httpMethod === 'DELETE' && statusCode >= 200 && statusCode < 300)
      ) {
        // Ended upstream (DELETE) or forgotten there (restart, expiry): so here, without a second DELETE.
        session.onClose = undefined;
        ex.ctx.sessions.close(session);
      }
    }

    const contentType = out['content-type'] ?? '';
    try {
      if (contentType.startsWith('text/event-stream')) {
        out['x-accel-buffering'] = 'no';
        await pipeStream(ex, statusCode, out, body, session);
      } else {
        const buf = Buffer.from(await body.arrayBuffer());
        if (buf.length > 0 && buf.length <= SMALL_ANSWER_BYTES) inspectSmallAnswer(ex, buf);
        out['content-length'] = String(buf.length);
        writeHead(ex, statusCode, out);
        ex.bytesOut += buf.length;
        ex.res.end(buf);
        if (statusCode >= 400) ex.outcome = 'error';
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      throw new GatewayError('CUSTOS_UPSTREAM_UNAVAILABLE', {
        detail: `server '${name}' broke off`,
        cause: err,
      });
    } finally {
      ex.res.off('close', onClose);
    }
  }

  async function endSession(session: Session): Promise<void> {
    const id = session.upstreamSessionId;
    if (id === undefined) return;
    try {
      const r = await pool.request({
        path,
        method: 'DELETE',
        headers: {
          'mcp-session-id': id,
          ...(session.protocolVersion ? { 'mcp-protocol-version': session.protocolVersion } : {}),
        },
      });
      await r.body.dump();
    } catch {
      // Best effort: the upstream may be gone already.
    }
  }

  return {
    name,
    kind: 'http',
    forward,
    endSession,
    async close() {
      await pool.close();
    },
  };
}

/** Small JSON answers are cheap to read: errors are recorded, initialize's version kept. */
const SMALL_ANSWER_BYTES = 8192;

function inspectSmallAnswer(ex: Exchange, buf: Buffer): void {
  let msg: { result?: { protocolVersion?: unknown }; error?: { code?: unknown } };
  try {
    msg = JSON.parse(buf.toString('utf8'));
  } catch {
    return;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return;
  if (msg.error !== undefined) markRpcError(ex, msg.error?.code);
  else if (ex.session && isInitialize(ex) && typeof msg.result?.protocolVersion === 'string') {
    ex.session.protocolVersion = msg.result.protocolVersion;
  }
}

async function pipeStream(
  ex: Exchange,
  status: number,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer> & { destroy(): void },
  session: Session | undefined,
): Promise<void> {
  const { res } = ex;
  writeHead(ex, status, headers);
  res.flushHeaders();
  const handle = { end: () => body.destroy() };
  // Long-lived streams end with their session and at drain; answers to requests run to their end.
  const longLived = isLongLived(ex);
  if (longLived) {
    session?.streams.add(handle);
    ex.ctx.longLived.add(handle);
  }
  try {
    for await (const chunk of body) {
      ex.bytesOut += chunk.length;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
        if (res.destroyed) break;
      }
    }
  } catch (err) {
    // A stream ended by the gateway (session closed, drain) is a normal end.
    if (!res.destroyed && session?.closed !== true && !ex.ctx.draining) throw err;
  } finally {
    session?.streams.delete(handle);
    ex.ctx.longLived.delete(handle);
    if (!res.writableEnded) res.end();
  }
}

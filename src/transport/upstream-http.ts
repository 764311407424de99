import { TextDecoder } from 'node:util';
import type { HttpUpstreamConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import { type Exchange, isLongLived, type Upstream } from '../core/exchange.ts';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import type { Session } from '../session/index.ts';
import {
  HeadersTimeoutError,
  type Http1Controller,
  type Http1Handler,
  Http1Pool,
  type ResponseHeaders,
} from './http1-pool.ts';
import { isInitialize, markRpcError, writeHead } from './respond.ts';
import { SseRewriter } from './sse.ts';

// An HTTP upstream: the exchange is forwarded as the same era it arrived in, bytes as they came
// (no re-serialisation), over the gateway's own keep-alive pool (http1-pool.ts: no stream wrapper
// and no AbortController per call: this is the hot path). Only the headers the protocol defines
// travel; the caller's Authorization, cookies and Origin never reach the upstream.

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

/** Small JSON answers are cheap to read: errors are recorded, initialize's version kept. */
const SMALL_ANSWER_BYTES = 8192;

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
  // Streams (GET, subscriptions/listen, long tool calls) may stay open indefinitely: only the
  // answer's head has a timeout.
  const pool = new Http1Pool(url.origin, {
    connections: opts.connections ?? 256,
    keepAliveMs: 30_000,
    headersTimeoutMs: opts.timeoutMs,
  });
  const staticHeaders = Object.entries(cfg.headers).map(([k, v]) => [k.toLowerCase(), v] as const);

  function buildHeaders(ex: Exchange): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of staticHeaders) out[k] = v;
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
    // The gateway's credential for this upstream (the credential step), never the caller's token.
    const injected = ex.upstreamHeaders;
    if (injected) for (const k in injected) out[k] = injected[k] as string;
    const upstreamSession = ex.session?.upstreamSessionId;
    if (upstreamSession !== undefined && ex.era === 'legacy') out['mcp-session-id'] = upstreamSession;
    return out;
  }

  /** What the upstream's answer means for the session: born, forgotten or ended. */
  function trackSession(
    ex: Exchange,
    session: Session,
    status: number,
    headers: ResponseHeaders,
    out: Record<string, string>,
  ): void {
    if (isInitialize(ex)) {
      const upstreamId = headers['mcp-session-id'];
      if (status >= 200 && status < 300) {
        if (typeof upstreamId === 'string') {
          session.upstreamSessionId = upstreamId;
          // Idle expiry and shutdown end the upstream session too.
          session.onClose = () => void endSession(session);
        }
        out['mcp-session-id'] = session.id;
      }
    } else if (
      (status === 404 && session.upstreamSessionId !== undefined) ||
      (ex.httpMethod === 'DELETE' && status >= 200 && status < 300)
    ) {
      // Ended upstream (DELETE) or forgotten there (restart, expiry): so here, without a second DELETE.
      session.onClose = undefined;
      ex.ctx.sessions.close(session);
    }
  }

  function forward(ex: Exchange): Promise<void> {
    const session = ex.session;
    if (ex.httpMethod === 'DELETE' && session && session.upstreamSessionId === undefined) {
      // The upstream is stateless; the session exists only here.
      ex.ctx.sessions.close(session);
      writeHead(ex, 200, {});
      ex.res.end();
      return Promise.resolve();
    }
    const { res } = ex;
    return new Promise<void>((resolve, reject) => {
      let controller: Http1Controller | undefined;
      let cancelled: GatewayError | undefined;
      let clientGone = false;
      let streaming = false;
      let endedByGateway = false;
      let status = 0;
      let out: Record<string, string> = {};
      // With an outbound transform (masking) every message is parsed: SSE event by event, JSON whole.
      const outbound = ex.outbound;
      let sse: { rewriter: SseRewriter; decoder: TextDecoder } | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      const handle = {
        end: () => {
          endedByGateway = true;
          controller?.abort(new Error('stream ended by the gateway'));
        },
      };
      const onClientClose = (): void => {
        if (res.writableEnded) return;
        clientGone = true;
        controller?.abort(new Error('client went away'));
      };
      res.once('close', onClientClose);
      ex.cancel = (err) => {
        cancelled = err;
        controller?.abort(err);
      };
      let settled = false;
      const finish = (err?: GatewayError): void => {
        if (settled) return;
        settled = true;
        ex.cancel = undefined;
        res.off('close', onClientClose);
        if (streaming) {
          session?.streams.delete(handle);
          ex.ctx.longLived.delete(handle);
        }
        if (err) reject(err);
        else resolve();
      };

      const request = { path, method: ex.httpMethod, headers: buildHeaders(ex), body: ex.body ?? null };
      const handler: Http1Handler = {
        onHead(statusCode, headers) {
          ex.upstreamNs = process.hrtime.bigint();
          status = statusCode;
          out = Object.create(null);
          for (const k of FORWARDED_RESPONSE_HEADERS) {
            const v = headers[k];
            if (typeof v === 'string') out[k] = v;
          }
          if (session) trackSession(ex, session, statusCode, headers, out);
          if ((out['content-type'] ?? '').startsWith('text/event-stream')) {
            streaming = true;
            out['x-accel-buffering'] = 'no';
            if (outbound)
              sse = { rewriter: new SseRewriter(rewriteData(outbound)), decoder: new TextDecoder() };
            writeHead(ex, statusCode, out);
            res.flushHeaders();
            // Long-lived streams end with their session and at drain; answers to requests run to their end.
            if (isLongLived(ex)) {
              session?.streams.add(handle);
              ex.ctx.longLived.add(handle);
            }
          } else {
            // A large JSON answer of known length passes through as it comes: no copy, no wait.
            const length = Number(headers['content-length']);
            if (length > SMALL_ANSWER_BYTES && !outbound) {
              streaming = true;
              if (statusCode >= 400) ex.outcome = 'error';
              out['content-length'] = String(length);
              writeHead(ex, statusCode, out);
            }
          }
          if (clientGone) controller?.abort(new Error('client went away'));
        },
        onData(chunk) {
          if (!streaming) {
            chunks.push(chunk);
            size += chunk.length;
            if (size <= SMALL_ANSWER_BYTES || outbound) return;
            // Past the small size: pass the rest through as it comes (chunked, length unknown).
            streaming = true;
            if (status >= 400) ex.outcome = 'error';
            writeHead(ex, status, out);
            for (const b of chunks) res.write(b);
            ex.bytesOut += size;
            chunks.length = 0;
            return;
          }
          let piece: Buffer | string = chunk;
          if (sse) {
            piece = sse.rewriter.push(sse.decoder.decode(chunk, { stream: true }));
            if (piece.length === 0) return;
          }
          ex.bytesOut += piece.length;
          if (!res.write(piece)) {
            const c = controller as Http1Controller;
            c.pause();
            res.once('drain', () => c.resume());
          }
        },
        onEnd() {
          if (streaming) {
            res.end();
            finish();
            return;
          }
          let buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
          let parsed: unknown;
          if (outbound && size > 0) {
            const rewritten = rewriteJson(buf, outbound);
            if (rewritten === undefined) {
              finish(new GatewayError('CUSTOS_UNMASKABLE', { detail: `server '${name}'` }));
              return;
            }
            buf = rewritten.bytes;
            parsed = rewritten.msg;
            size = buf.length;
          }
          if (size > 0 && size <= SMALL_ANSWER_BYTES) inspectSmallAnswer(ex, buf, parsed);
          if (status >= 400) ex.outcome = 'error';
          out['content-length'] = String(size);
          writeHead(ex, status, out);
          ex.bytesOut += size;
          res.end(buf);
          finish();
        },
        onError(err) {
          if (cancelled) finish(cancelled);
          else if (clientGone || (streaming && (endedByGateway || ex.ctx.draining))) {
            // The client left, or the gateway ended a long-lived stream: a normal end.
            if (!res.writableEnded) res.end();
            finish();
          } else if (err instanceof HeadersTimeoutError) {
            finish(new GatewayError('CUSTOS_UPSTREAM_TIMEOUT', { detail: `server '${name}'`, cause: err }));
          } else {
            const detail = streaming ? `server '${name}' broke off` : `server '${name}'`;
            finish(new GatewayError('CUSTOS_UPSTREAM_UNAVAILABLE', { detail, cause: err }));
          }
        },
      };
      try {
        controller = pool.dispatch(request, handler);
      } catch (err) {
        // A header that cannot be sent (a control character from a credential, say).
        const detail = `server '${name}': ${(err as Error).message}`;
        finish(new GatewayError('CUSTOS_UPSTREAM_UNAVAILABLE', { detail, cause: err }));
        return;
      }
      if (clientGone) controller.abort(new Error('client went away'));
      else if (cancelled) controller.abort(cancelled);
    });
  }

  async function endSession(session: Session): Promise<void> {
    const id = session.upstreamSessionId;
    if (id === undefined) return;
    try {
      const headers: Record<string, string> = { 'mcp-session-id': id };
      if (session.protocolVersion) headers['mcp-protocol-version'] = session.protocolVersion;
      await pool.request({ path, method: 'DELETE', headers, body: null });
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

/** Applies `outbound` to an SSE event's data; an event that is not JSON-RPC is dropped, never passed unread. */
function rewriteData(outbound: (m: JsonRpcMessage) => JsonRpcMessage): (data: string) => string | undefined {
  return (data) => {
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return undefined;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return undefined;
    return JSON.stringify(outbound(msg as JsonRpcMessage));
  };
}

/**
 * Applies `outbound` to a JSON answer (one message or a batch): the new bytes, and the message(s)
 * they hold, so nothing parses them again. Undefined when the answer is not JSON.
 */
function rewriteJson(
  buf: Buffer,
  outbound: (m: JsonRpcMessage) => JsonRpcMessage,
): { bytes: Buffer; msg: unknown } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  let msg: unknown;
  if (Array.isArray(parsed)) msg = parsed.map((m) => outbound(m as JsonRpcMessage));
  else if (typeof parsed === 'object' && parsed !== null) msg = outbound(parsed as JsonRpcMessage);
  else return undefined;
  return { bytes: Buffer.from(JSON.stringify(msg)), msg };
}

const ERROR_KEY = Buffer.from('"error"');

/** Errors and the negotiated version in a small JSON answer; `parsed` when it was parsed already. */
function inspectSmallAnswer(ex: Exchange, buf: Buffer, parsed: unknown): void {
  let msg: { result?: { protocolVersion?: unknown }; error?: { code?: unknown } };
  if (parsed !== undefined) msg = parsed as typeof msg;
  else {
    // Most answers are results: a byte search spares parsing them (only errors and initialize matter).
    if (!isInitialize(ex) && buf.indexOf(ERROR_KEY) === -1) return;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      return;
    }
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return;
  if (msg.error !== undefined) markRpcError(ex, msg.error?.code);
  else if (ex.session && isInitialize(ex) && typeof msg.result?.protocolVersion === 'string') {
    ex.session.protocolVersion = msg.result.protocolVersion;
  }
}

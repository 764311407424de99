import type { Exchange } from '../core/exchange.ts';
import type { JsonRpcId } from '../core/jsonrpc.ts';

// Holding a call while telling the client it is alive (MCP basic/utilities/progress): when the
// request carries a progress token, the answer becomes an SSE stream at once (the POST's Accept
// lists text/event-stream; ingress checked it) and a notifications/progress goes out every few
// seconds, so clients that reset their timeout on progress keep waiting. Once granted, the real
// answer — whatever the upstream sends, JSON or SSE — continues on this same stream.
//
// The transports write an answer from its first byte (status line and headers). Here the head
// already went out, so for the rest of the exchange the response is adapted in place: a second
// head is swallowed (the upstream's SSE passes through as it comes), and a JSON answer is turned
// into `message` events when it ends. This is the only place that adapts a response; it exists
// because an answer cannot be restarted once its first byte is on the wire.

type Chunk = string | Uint8Array;
type Callback = (err?: Error | null) => void;

function toBuffer(chunk: unknown, encoding?: unknown): Buffer {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk as Uint8Array);
}

function contentTypeOf(args: unknown[]): string {
  const headers = typeof args[0] === 'string' ? args[1] : args[0];
  if (Array.isArray(headers)) {
    // [name, value, name, value …] (raw header form)
    for (let i = 0; i + 1 < headers.length; i += 2)
      if (String(headers[i]).toLowerCase() === 'content-type') return String(headers[i + 1]);
    return '';
  }
  if (typeof headers === 'object' && headers !== null) {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'content-type') return String(v);
  }
  return '';
}

/** The JSON-RPC messages of a JSON answer as SSE `message` events (nothing for an empty or non-JSON body). */
export function jsonToEvents(body: string): string {
  if (body.trim() === '') return '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '';
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((m) => `event: message\ndata: ${JSON.stringify(m)}\n\n`).join('');
}

/** Starts the SSE answer now and adapts the response so the rest of the exchange continues on it. */
export function startSseAnswer(ex: Exchange): void {
  const res = ex.res;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-custos-request-id': ex.id,
  });
  res.flushHeaders();
  ex.streaming = true;
  const write = res.write.bind(res) as (chunk: Chunk, encoding?: BufferEncoding, cb?: Callback) => boolean;
  const end = res.end.bind(res) as (cb?: () => void) => typeof res;
  let json: Buffer[] | undefined;
  const r = res as unknown as Record<string, unknown>;
  r.writeHead = (...args: unknown[]) => {
    if (!contentTypeOf(args).startsWith('text/event-stream')) json = [];
    // An error answered later is one more event on this stream (transport/respond.ts).
    ex.streaming = true;
    return res;
  };
  r.setHeader = () => res;
  r.removeHeader = () => {};
  r.flushHeaders = () => {};
  r.write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    if (json === undefined) return write(chunk as Chunk, encoding as BufferEncoding, cb as Callback);
    json.push(toBuffer(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  r.end = (chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    const done = [chunk, encoding, cb].find((x) => typeof x === 'function') as (() => void) | undefined;
    if (json !== undefined) {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function')
        json.push(toBuffer(chunk, encoding));
      const events = jsonToEvents(Buffer.concat(json).toString('utf8'));
      json = undefined;
      if (events !== '') {
        ex.bytesOut += Buffer.byteLength(events);
        write(events);
      }
    } else if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      write(chunk as Chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    }
    return end(done);
  };
}

/**
 * Sends notifications/progress for `token` now and every `intervalMs` until stopped. `progress`
 * is the share of the approval deadline used so far (0 … < 1): it increases with each
 * notification as MCP requires, and stays below what an upstream reports once the call runs.
 */
export function sendProgressWhileHeld(
  ex: Exchange,
  token: JsonRpcId,
  deadline: number,
  intervalMs: number,
  message: () => string,
): () => void {
  const started = Date.now();
  const span = Math.max(1, deadline - started);
  let last = -1;
  const send = (): void => {
    const res = ex.res;
    if (res.destroyed || res.writableEnded) return;
    let progress = Math.min(0.999, Math.round(((Date.now() - started) / span) * 1e6) / 1e6);
    if (progress <= last) progress = last + 1e-6;
    last = progress;
    const note = {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: token, progress, message: message() },
    };
    const event = `event: message\ndata: ${JSON.stringify(note)}\n\n`;
    ex.bytesOut += Buffer.byteLength(event);
    res.write(event);
  };
  send();
  const timer = setInterval(send, intervalMs);
  return () => clearInterval(timer);
}

import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { IngressResponse } from '../core/exchange.ts';
import { FastResponse } from '../transport/http1-server.ts';

// Every byte an MCP exchange sends back goes through here, whichever transport wrote it: it is
// recorded for the audit trail, and the answer is held back at the last moment before the client
// could have it — until the exchange's event is durable (issue 7: durable before the client sees
// the response). "The last moment" is:
//   - the end of the answer (a JSON body is only complete at its end);
//   - for a fixed-length body streamed through, its last bytes (the client counts Content-Length);
//   - for an SSE answer, the event that carries the response to the (last) request: progress and
//     logs before it stream as they come; the response waits for the event to be committed.
// The head is kept back too until the first byte of the body leaves, so an answer whose event
// cannot be recorded can still be replaced by an error.
//
// Once the answer is ended, `writableEnded` reads true even while the end is held, so every step
// and transport that asks "was this answered?" sees the answer as given and writes nothing more.

type Chunk = string | Buffer | Uint8Array;
type Callback = (err?: Error | null) => void;
// biome-ignore lint/suspicious/noExplicitAny: ServerResponse's overloaded signatures
type Args = any[];

const byteLength = (c: Chunk): number => (typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength);
const SSE_EVENT_END = /\r\n\r\n|\n\n|\r\r/;

/** What is recorded of one answer, what is held back, and the hook that makes its event durable. */
export class ResponseCapture {
  readonly frames: [t: number, data: Chunk][] = [];
  status = 0;
  contentType: string | null = null;
  bytes = 0;
  truncated = false;
  /** writeHead's arguments, kept back until the body starts or the answer is released. */
  head: [status: number, rest: Args] | undefined = undefined;
  /** Body chunks kept back until the event is durable. */
  readonly held: Chunk[] = [];
  holding = false;
  /** end() was called: its arguments wait for the release. */
  ending = false;
  endArgs: Args | undefined = undefined;
  released = false;
  /** The commit of the exchange's event, once submitted. */
  committed: Promise<void> | undefined = undefined;
  contentLength: number | undefined = undefined;
  written = 0;
  /** SSE answers: the ids (as JSON) of requests whose response has not gone by yet (set before forward). */
  pending: Set<string> | undefined = undefined;
  /** Says the event is submitted (or never will be) to the audit's group commit (AuditSink.expect). */
  expected: (() => void) | undefined = undefined;
  #sse: { decoder: StringDecoder; text: string } | undefined;

  constructor(
    readonly startedNs: bigint,
    readonly maxBytes: number,
    /** Submits the exchange's event; resolves when durable. */
    readonly commit: () => Promise<void>,
    /**
     * The event could not be made durable: answer with an error (or cut an answer under way) and
     * say 'refuse', or say 'serve' to let the held answer go (onStoreFailure: serve).
     */
    readonly onCommitFailed: (err: unknown, res: CapturingResponse) => 'serve' | 'refuse',
  ) {}

  frame(chunk: Chunk): void {
    const len = byteLength(chunk);
    if (len === 0) return;
    if (this.bytes + len > this.maxBytes) {
      this.truncated = true;
      return;
    }
    this.bytes += len;
    this.frames.push([Number((process.hrtime.bigint() - this.startedNs) / 1000n), chunk]);
  }

  /** Whether this chunk of the body is the one that completes the answer for the client. */
  completes(chunk: Chunk): boolean {
    if (this.contentLength !== undefined) {
      this.written += byteLength(chunk);
      return this.written >= this.contentLength;
    }
    if (!this.pending || !this.contentType?.startsWith('text/event-stream')) return false;
    this.#sse ??= { decoder: new StringDecoder('utf8'), text: '' };
    const s = this.#sse;
    s.text +=
      typeof chunk === 'string'
        ? chunk
        : s.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    for (;;) {
      const m = SSE_EVENT_END.exec(s.text);
      if (!m) return false;
      const event = s.text.slice(0, m.index);
      s.text = s.text.slice(m.index + m[0].length);
      if (this.#answers(event) && this.pending.size === 0) return true;
    }
  }

  /** Whether this SSE event is the response to one of the pending requests. */
  #answers(event: string): boolean {
    // Notifications carry no result or error: most events are told apart without parsing.
    if (!event.includes('"result"') && !event.includes('"error"')) return false;
    const data = event
      .split(/\r\n|\r|\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
      .join('\n');
    try {
      const m = JSON.parse(data) as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
      if (m.method !== undefined || (m.result === undefined && m.error === undefined)) return false;
      return this.pending?.delete(JSON.stringify(m.id)) === true;
    } catch {
      return false;
    }
  }
}

/** What a response must offer to be recorded and held back: node's ServerResponse, or FastResponse. */
interface ResponseBase {
  writeHead(status: number, ...rest: Args): unknown;
  write(...args: Args): boolean;
  end(...args: Args): unknown;
  flushHeaders(): void;
  readonly destroyed: boolean;
  statusCode: number;
}

/** A response whose bytes are recorded and held back for its exchange (set by attachCapture). */
export interface CapturingResponse extends IngressResponse {
  capture: ResponseCapture | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor takes whatever its base takes
function withCapture<B extends new (...args: any[]) => ResponseBase>(Base: B) {
  class Captured extends Base {
    /** Set for MCP exchanges (routed to a server); other routes are neither recorded nor held. */
    capture: ResponseCapture | undefined = undefined;
    override writeHead(status: number, ...rest: Args): this {
      const c = this.capture;
      if (!c || c.released) return super.writeHead(status, ...rest) as this;
      const headers = (typeof rest[0] === 'string' ? rest[1] : rest[0]) as OutgoingHttpHeaders | undefined;
      c.status = status;
      c.contentType = null;
      c.contentLength = undefined;
      if (headers && !Array.isArray(headers)) {
        const ct = headers['content-type'];
        if (ct !== undefined) c.contentType = String(ct);
        const cl = headers['content-length'];
        if (cl !== undefined) c.contentLength = Number(cl);
      }
      c.head = [status, rest];
      this.statusCode = status;
      return this;
    }

    override flushHeaders(): void {
      this.#flushHead();
      super.flushHeaders();
    }

    override write(chunk: Args[0], encoding?: Args[0], cb?: Args[0]): boolean {
      const c = this.capture;
      if (!c || c.released) return super.write(chunk, encoding, cb);
      if (c.ending) return false;
      c.frame(chunk as Chunk);
      if (c.holding || c.completes(chunk as Chunk)) {
        c.held.push(chunk as Chunk);
        if (!c.holding) {
          c.holding = true;
          // An SSE answer's response is out of the upstream: its event can be committed now,
          // whether or not the upstream closes the stream at once.
          if (c.contentLength === undefined) this.#commit(c);
        }
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') queueMicrotask(() => done());
        return true;
      }
      this.#flushHead();
      return super.write(chunk, encoding, cb);
    }

    override end(chunk?: Args[0], encoding?: Args[0], cb?: Args[0]): this {
      const c = this.capture;
      if (!c || c.released) return super.end(chunk, encoding, cb) as this;
      if (c.ending) return this;
      if (typeof chunk !== 'function' && chunk !== undefined && chunk !== null) c.frame(chunk as Chunk);
      c.ending = true;
      c.endArgs = [chunk, encoding, cb];
      if (!c.committed) this.#commit(c);
      return this;
    }

    #commit(c: ResponseCapture): void {
      c.committed = c.commit().then(
        () => this.#release(c),
        (err: unknown) => {
          // From here on writes pass straight through: the failure handler answers with an error
          // (or cuts the connection when the answer had begun), unless configured to serve anyway.
          c.released = true;
          if (c.onCommitFailed(err, this as unknown as CapturingResponse) === 'serve') this.#release(c);
        },
      );
    }

    /** The event is durable (or the answer is served regardless): let everything held go. */
    #release(c: ResponseCapture): void {
      c.released = true;
      if (this.destroyed) return;
      this.#flushHead();
      for (const chunk of c.held.splice(0)) super.write(chunk);
      if (c.endArgs) {
        const [chunk, encoding, cb] = c.endArgs;
        super.end(chunk, encoding, cb as Callback | undefined);
      }
    }

    /** Sends the head kept back, if any. */
    #flushHead(): void {
      const c = this.capture;
      if (c?.head) {
        const [status, rest] = c.head;
        c.head = undefined;
        super.writeHead(status, ...rest) as this;
      }
    }
  }

  // Declared as a property in Node's types but a getter at run time: overridden on the prototype.
  const baseWritableEnded = inheritedGetter(Base.prototype, 'writableEnded');
  Object.defineProperty(Captured.prototype, 'writableEnded', {
    configurable: true,
    get(this: Captured): boolean {
      return this.capture?.ending === true || baseWritableEnded.call(this);
    },
  });
  return Captured;
}

/** Node's own `writableEnded` getter (OutgoingMessage.prototype), found once. */
function inheritedGetter(proto: object, name: string): (this: unknown) => boolean {
  for (let p: object | null = proto; p; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d?.get) return d.get as (this: unknown) => boolean;
  }
  throw new Error(`no ${name} getter on the response class`);
}

/** node:http's response, recorded. */
export const AuditedResponse = withCapture(ServerResponse<IncomingMessage>);
/** The gateway's own server's response (src/transport/http1-server.ts), recorded. */
export const AuditedFastResponse = withCapture(FastResponse);

import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';

// Every byte an MCP exchange sends back goes through here, whichever transport wrote it: it is
// recorded for the audit trail, and the end of the answer is held until the exchange's event is
// durable (issue 7: durable before the client sees the response). A fixed-length answer that is
// streamed through (a large JSON body with Content-Length) also has its last chunk held, since
// with Content-Length the client would consider the answer complete on its last byte.
//
// Until `end` is released, `writableEnded` already reads true, so every step and transport that
// asks "was this answered?" sees the answer as given and writes nothing more.

type Chunk = string | Buffer | Uint8Array;

/** Node's own `writableEnded` getter (OutgoingMessage.prototype), found once. */
function inheritedGetter(proto: object, name: string): (this: unknown) => boolean {
  for (let p: object | null = proto; p; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d?.get) return d.get as (this: unknown) => boolean;
  }
  throw new Error(`no ${name} getter on ServerResponse`);
}
type Callback = (err?: Error | null) => void;

/** What is recorded of one answer, and the hook that makes its event durable. */
export class ResponseCapture {
  readonly frames: [t: number, data: Chunk][] = [];
  status = 0;
  contentType: string | null = null;
  bytes = 0;
  truncated = false;
  contentLength: number | undefined = undefined;
  written = 0;
  tail: Chunk | undefined = undefined;
  ending = false;
  released = false;
  /** The commit of the exchange's event, once the answer ended (or the exchange did without one). */
  committed: Promise<void> | undefined = undefined;

  constructor(
    readonly startedNs: bigint,
    readonly maxBytes: number,
    /** Submits the exchange's event; resolves when durable. */
    readonly commit: () => Promise<void>,
    /**
     * The event could not be made durable: answer with an error (or cut an answer under way) and
     * say 'refuse', or say 'serve' to let the held answer go (onStoreFailure: serve).
     */
    readonly onCommitFailed: (err: unknown, res: AuditedResponse) => 'serve' | 'refuse',
  ) {}

  frame(chunk: Chunk): void {
    const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (len === 0) return;
    if (this.bytes + len > this.maxBytes) {
      this.truncated = true;
      return;
    }
    this.bytes += len;
    this.frames.push([Number((process.hrtime.bigint() - this.startedNs) / 1000n), chunk]);
  }
}

export class AuditedResponse extends ServerResponse<IncomingMessage> {
  /** Set for MCP exchanges (routed to a server); other routes are neither recorded nor held. */
  capture: ResponseCapture | undefined = undefined;

  // biome-ignore lint/suspicious/noExplicitAny: ServerResponse.writeHead's overloads
  override writeHead(status: number, ...rest: any[]): this {
    const c = this.capture;
    if (c) {
      c.status = status;
      const headers = (typeof rest[0] === 'string' ? rest[1] : rest[0]) as OutgoingHttpHeaders | undefined;
      if (headers && !Array.isArray(headers)) {
        const ct = headers['content-type'];
        c.contentType = ct === undefined ? null : String(ct);
        const cl = headers['content-length'];
        if (cl !== undefined) c.contentLength = Number(cl);
      }
    }
    return super.writeHead(status, ...rest);
  }

  // biome-ignore lint/suspicious/noExplicitAny: ServerResponse.write's overloads
  override write(chunk: any, encoding?: any, cb?: any): boolean {
    const c = this.capture;
    if (!c || c.released) return super.write(chunk, encoding, cb);
    if (c.ending) return false;
    c.frame(chunk as Chunk);
    if (c.contentLength !== undefined) {
      const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
      c.written += len;
      if (c.written >= c.contentLength) {
        // The last bytes of a fixed-length answer wait for the event, like an end() would.
        c.tail = chunk as Chunk;
        if (typeof encoding === 'function') encoding();
        else if (typeof cb === 'function') cb();
        return true;
      }
    }
    return super.write(chunk, encoding, cb);
  }

  // biome-ignore lint/suspicious/noExplicitAny: ServerResponse.end's overloads
  override end(chunk?: any, encoding?: any, cb?: any): this {
    const c = this.capture;
    if (!c || c.released) return super.end(chunk, encoding, cb);
    if (c.ending) return this;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) c.frame(chunk as Chunk);
    c.ending = true;
    const release = (): void => {
      if (this.destroyed) return;
      if (c.tail !== undefined) super.write(c.tail);
      if (chunk !== undefined && chunk !== null) super.end(chunk, encoding, cb as Callback | undefined);
      else super.end(cb as Callback | undefined);
    };
    c.committed = c.commit().then(
      () => {
        c.released = true;
        release();
      },
      (err: unknown) => {
        // From here on writes pass straight through: the failure handler answers with an error
        // (or cuts the connection when the answer had begun), unless configured to serve anyway.
        c.released = true;
        if (c.onCommitFailed(err, this) === 'serve') release();
      },
    );
    return this;
  }
}

// Declared as a property in Node's types but a getter at run time: overridden on the prototype.
const nodeWritableEnded = inheritedGetter(ServerResponse.prototype, 'writableEnded');
Object.defineProperty(AuditedResponse.prototype, 'writableEnded', {
  configurable: true,
  get(this: AuditedResponse): boolean {
    return this.capture?.ending === true || nodeWritableEnded.call(this);
  },
});

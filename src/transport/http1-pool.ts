import { createRequire } from 'node:module';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  BAD_HEADER_VALUE,
  HTTP_TOKEN,
  isTokenAt,
  POOL_FRAMED_HEADERS,
  valueEnd,
  valueStart,
} from '../core/http-header.ts';

// The gateway's HTTP/1.1 client for its upstreams: a keep-alive pool of plain sockets (TLS for
// https:), one request at a time per connection, the answer's framing read here. It does what
// the data path needs and no more, which is why it is cheaper than a general client (a fifth
// less CPU per request than undici's Pool here: bench/upstream-client.ts). It is strict about
// what it reads: an answer whose framing is ambiguous or malformed ends with an error and its
// connection is closed, never reused. It never retries a request: a tool call may not be
// idempotent.

/** An answer's header names, lower-cased; repeated headers joined by ", ". */
export type ResponseHeaders = Record<string, string>;

export interface Http1Request {
  method: 'GET' | 'POST' | 'DELETE';
  /** The request target: an absolute path with its query. */
  path: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer | null;
}

/**
 * Called once each, in this order: head, data (zero or more times), then end; or error at any
 * point instead of whatever is left. Never called during dispatch() itself.
 */
export interface Http1Handler {
  onHead(status: number, headers: ResponseHeaders): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface Http1Controller {
  /** Ends the exchange: its connection is closed and onError gets `reason` (if not ended already). */
  abort(reason: Error): void;
  /** Stops reading the answer (backpressure) until resume(). */
  pause(): void;
  resume(): void;
}

export interface Http1PoolOptions {
  /** Connections at most; requests beyond wait in order. */
  connections: number;
  /** An idle connection is closed after this (or the upstream's Keep-Alive hint less a second). */
  keepAliveMs: number;
  /** From dispatch to the answer's head; 0 for none. */
  headersTimeoutMs: number;
  /** The answer's head (status line and headers) and a chunked answer's trailers, each at most. */
  maxHeadBytes?: number;
  /** For https: origins: the CAs to trust instead of Node's defaults. */
  tls?: Pick<ConnectionOptions, 'ca'>;
}

/** No answer head within the headers timeout. */
export class HeadersTimeoutError extends Error {
  override name = 'HeadersTimeoutError';
}

/** The answer broke HTTP/1.1's rules; its connection was closed. */
export class UpstreamProtocolError extends Error {
  override name = 'UpstreamProtocolError';
}

/** The connection failed or closed before the answer ended. */
export class UpstreamSocketError extends Error {
  override name = 'UpstreamSocketError';
}

// node:tls only for https: upstreams, loaded when the first one connects: loading it costs ~4 ms
// of a cold start that has none (Node.js 20 has no synchronous import() for a built-in module).
let tlsModule: typeof import('node:tls') | undefined;
function tlsConnect(): typeof import('node:tls').connect {
  tlsModule ??= createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
  return tlsModule.connect;
}

const DEFAULT_MAX_HEAD = 64 * 1024;
/** A chunk-size line with its extensions, at most. */
const MAX_CHUNK_LINE = 4096;
/** How often timeouts and idle connections are looked at: a timeout fires up to this late. */
const TICK_MS = 250;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\0\r\n]*)?$/;
const DIGITS = /^\d{1,15}$/;

const CR = 13;
const LF = 10;

type BodyMode = 'none' | 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-crlf' | 'trailers';

class Pending implements Http1Controller {
  conn: Conn | undefined;
  done = false;
  headed = false;
  paused = false;
  readonly deadline: number;

  constructor(
    readonly pool: Http1Pool,
    readonly head: string,
    readonly body: Buffer | null,
    readonly handler: Http1Handler,
    timeoutMs: number,
  ) {
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  }

  abort(reason: Error): void {
    if (this.done) return;
    this.pool.fail(this, reason);
  }

  pause(): void {
    this.paused = true;
    this.conn?.socket.pause();
  }

  resume(): void {
    this.paused = false;
    this.conn?.socket.resume();
  }
}

class Conn {
  req: Pending | undefined;
  idleSince = 0;
  /** The upstream's Keep-Alive timeout hint, in ms; Infinity when it gave none. */
  keepAliveHint = Number.POSITIVE_INFINITY;
  reusable = true;
  // The answer being read.
  private headBuf: Buffer | null = null;
  private mode: BodyMode = 'none';
  private left = 0;
  private chunk: ChunkState = 'size';
  private lineBuf: Buffer | null = null;
  private trailerBytes = 0;

  constructor(
    readonly pool: Http1Pool,
    readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.read(d));
    socket.on('end', () => this.closed(undefined));
    socket.on('error', (err) => this.closed(err));
    socket.on('close', () => this.closed(undefined));
  }

  send(req: Pending): void {
    this.req = req;
    req.conn = this;
    this.headBuf = null;
    this.mode = 'none';
    if (req.paused) this.socket.pause();
    if (req.body && req.body.length > 0) {
      this.socket.cork();
      this.socket.write(req.head, 'latin1');
      this.socket.write(req.body);
      this.socket.uncork();
    } else this.socket.write(req.head, 'latin1');
  }

  private closed(err: Error | undefined): void {
    const req = this.req;
    if (req && !req.done && req.headed && this.mode === 'close' && err === undefined) {
      // A close-delimited answer ends with its connection.
      this.req = undefined;
      this.pool.forget(this);
      this.pool.complete(req);
      return;
    }
    if (!req || req.done) {
      this.pool.forget(this);
      return;
    }
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const message = req.headed
      ? 'the upstream broke off its answer'
      : err
        ? `the connection to the upstream failed${code ? ` (${code})` : ''}`
        : 'the upstream closed the connection without answering';
    // fail() closes and forgets the connection too.
    this.pool.fail(req, new UpstreamSocketError(message, err ? { cause: err } : undefined));
  }

  private protocolError(message: string): void {
    const req = this.req;
    if (req && !req.done) this.pool.fail(req, new UpstreamProtocolError(message));
    else this.pool.forget(this);
  }

  private read(data: Buffer): void {
    const req = this.req;
    if (!req || req.done) {
      // Bytes nobody asked for: the connection cannot be trusted to frame the next answer.
      this.pool.forget(this);
      return;
    }
    let buf = data;
    while (buf.length > 0) {
      // Aborted by a handler: its connection is closed already.
      if (this.req !== req || req.done) return;
      if (!req.headed) {
        const rest = this.readHead(req, buf);
        if (rest === undefined) return;
        buf = rest;
        continue;
      }
      switch (this.mode) {
        case 'length': {
          if (buf.length < this.left) {
            this.left -= buf.length;
            req.handler.onData(buf);
            return;
          }
          const piece = buf.subarray(0, this.left);
          buf = buf.subarray(this.left);
          this.left = 0;
          if (piece.length > 0) req.handler.onData(piece);
          if (!req.done) this.finish(req, buf.length > 0);
          return;
        }
        case 'close':
          req.handler.onData(buf);
          return;
        case 'chunked':
          this.readChunked(req, buf);
          return;
        case 'none':
          this.finish(req, true);
          return;
      }
    }
  }

  /** The answer is complete: hand the connection back, then tell the handler. */
  private finish(req: Pending, leftover: boolean): void {
    if (leftover) this.reusable = false;
    this.req = undefined;
    req.conn = undefined;
    if (req.paused) this.socket.resume();
    this.pool.release(this);
    this.pool.complete(req);
  }

  /** Reads the head; the bytes after it, or undefined when it is not complete yet (or failed). */
  private readHead(req: Pending, data: Buffer): Buffer | undefined {
    const max = this.pool.maxHeadBytes;
    let buf = data;
    let from = 0;
    if (this.headBuf) {
      from = Math.max(0, this.headBuf.length - 3);
      buf = Buffer.concat([this.headBuf, data]);
    }
    const end = buf.indexOf('\r\n\r\n', from, 'latin1');
    if (end === -1) {
      if (buf.length > max) this.protocolError(`the answer's head is over ${max} bytes`);
      else this.headBuf = buf;
      return undefined;
    }
    if (end + 4 > max) {
      this.protocolError(`the answer's head is over ${max} bytes`);
      return undefined;
    }
    this.headBuf = null;
    const rest = buf.subarray(end + 4);
    const text = buf.toString('latin1', 0, end);
    let eol = text.indexOf('\r\n');
    if (eol === -1) eol = text.length;
    const status = STATUS_LINE.exec(text.slice(0, eol));
    if (!status) {
      this.protocolError('the answer has no valid HTTP/1.x status line');
      return undefined;
    }
    const code = Number(status[2]);
    const headers = parseHeaderLines(text, eol + 2);
    if (typeof headers === 'string') {
      this.protocolError(headers);
      return undefined;
    }
    if (code < 200) {
      // 100 Continue and 103 Early Hints come before the answer; nothing asked to switch protocols.
      if (code === 101) {
        this.protocolError('the upstream switched protocols unasked');
        return undefined;
      }
      return rest;
    }
    if (!this.frame(code, status[1] === '1', headers)) return undefined;
    req.headed = true;
    req.handler.onHead(code, headers);
    if (req.done) return undefined;
    if (this.mode === 'none') {
      this.finish(req, rest.length > 0);
      return undefined;
    }
    return rest;
  }

  /** RFC 9112 §6.3: how the body is delimited, and whether the connection outlives it. */
  private frame(status: number, http11: boolean, headers: ResponseHeaders): boolean {
    const connection = headers.connection?.toLowerCase();
    this.reusable =
      this.reusable && http11 && (connection === undefined || !/(?:^|,)\s*close\s*(?:,|$)/.test(connection));
    const hint = headers['keep-alive'];
    if (hint !== undefined) {
      const m = /(?:^|[,;\s])timeout=(\d{1,9})/i.exec(hint);
      if (m) this.keepAliveHint = Number(m[1]) * 1000;
    }
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (status === 204 || status === 304) {
      this.mode = 'none';
      return true;
    }
    if (te !== undefined) {
      if (cl !== undefined) {
        this.protocolError('the answer has both Transfer-Encoding and Content-Length');
        return false;
      }
      if (te.toLowerCase() !== 'chunked') {
        this.protocolError(`the answer's Transfer-Encoding "${te.slice(0, 40)}" is not supported`);
        return false;
      }
      this.mode = 'chunked';
      this.chunk = 'size';
      this.lineBuf = null;
      this.trailerBytes = 0;
      return true;
    }
    if (cl !== undefined) {
      // Repeated Content-Length headers are allowed only when they agree.
      const values = cl.split(',');
      const first = (values[0] as string).trim();
      if (!DIGITS.test(first) || values.some((v) => v.trim() !== first)) {
        this.protocolError('the answer has an invalid Content-Length');
        return false;
      }
      this.left = Number(first);
      this.mode = this.left === 0 ? 'none' : 'length';
      return true;
    }
    this.mode = 'close';
    this.reusable = false;
    return true;
  }

  /** Reads chunked framing from `buf`, as far as it goes. */
  private readChunked(req: Pending, buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.req !== req || req.done) return;
      switch (this.chunk) {
        case 'data': {
          const n = Math.min(this.left, buf.length - i);
          const piece = buf.subarray(i, i + n);
          i += n;
          this.left -= n;
          if (this.left === 0) this.chunk = 'data-crlf';
          req.handler.onData(piece);
          break;
        }
        case 'size':
        case 'data-crlf':
        case 'trailers': {
          // Line-oriented states: gather up to the LF.
          const lf = buf.indexOf(LF, i);
          const limit = this.chunk === 'trailers' ? this.pool.maxHeadBytes : MAX_CHUNK_LINE;
          if (lf === -1) {
            const part = buf.subarray(i);
            const have = (this.lineBuf?.length ?? 0) + part.length;
            if (have > limit) {
              this.protocolError('a chunked answer has an over-long line');
              return;
            }
            this.lineBuf = this.lineBuf ? Buffer.concat([this.lineBuf, part]) : Buffer.from(part);
            return;
          }
          let line = buf.subarray(i, lf + 1);
          if (this.lineBuf) {
            line = Buffer.concat([this.lineBuf, line]);
            this.lineBuf = null;
          }
          i = lf + 1;
          if (line.length > limit) {
            this.protocolError('a chunked answer has an over-long line');
            return;
          }
          if (line.length < 2 || line[line.length - 2] !== CR) {
            this.protocolError('a chunked answer has a line not ended by CRLF');
            return;
          }
          const text = line.toString('latin1', 0, line.length - 2);
          if (this.chunk === 'data-crlf') {
            if (text.length !== 0) {
              this.protocolError('a chunk is longer than its size');
              return;
            }
            this.chunk = 'size';
          } else if (this.chunk === 'size') {
            const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;[^\0\r\n]*)?$/.exec(text);
            if (!m) {
              this.protocolError('a chunked answer has an invalid chunk size');
              return;
            }
            this.left = Number.parseInt(m[1] as string, 16);
            this.chunk = this.left === 0 ? 'trailers' : 'data';
          } else {
            this.trailerBytes += line.length;
            if (this.trailerBytes > this.pool.maxHeadBytes) {
              this.protocolError('a chunked answer has over-long trailers');
              return;
            }
            if (text.length === 0) {
              // The last chunk and its (ignored) trailers: the answer is complete.
              this.finish(req, i < buf.length);
              return;
            }
          }
          break;
        }
      }
    }
  }
}

/**
 * The header lines of `text` from `pos` (CRLF-separated, no final CRLF): names lower-cased,
 * values without their surrounding spaces and tabs, repeats joined by ", ". A string says what is
 * wrong: a name that is not a token (a space before the colon, a folded line), or a control
 * character other than a tab in a value.
 */
function parseHeaderLines(text: string, pos: number): ResponseHeaders | string {
  const headers: ResponseHeaders = Object.create(null);
  while (pos < text.length) {
    let next = text.indexOf('\r\n', pos);
    if (next === -1) next = text.length;
    const colon = text.indexOf(':', pos);
    if (colon > next || colon === -1 || !isTokenAt(text, pos, colon))
      return 'the answer has a malformed header line';
    const from = valueStart(text, colon + 1, next);
    const to = valueEnd(text, from, next);
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if ((c < 32 && c !== 9) || c === 127) return 'the answer has a header value with a control character';
    }
    const key = text.slice(pos, colon).toLowerCase();
    const value = text.slice(from, to);
    const prev = headers[key];
    headers[key] = prev === undefined ? value : `${prev}, ${value}`;
    pos = next + 2;
  }
  return headers;
}

/** A keep-alive pool of HTTP/1.1 connections to one origin. */
export class Http1Pool {
  readonly maxHeadBytes: number;
  private readonly idle: Conn[] = [];
  private readonly busy = new Set<Conn>();
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closing: (() => void) | undefined;
  private closed = false;
  private readonly hostHeader: string;
  private readonly connectTo: () => Socket;

  constructor(
    origin: string,
    private readonly opts: Http1PoolOptions,
  ) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`not an http(s) origin: ${origin}`);
    const tls = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port || (tls ? 443 : 80));
    this.hostHeader = url.host;
    this.maxHeadBytes = opts.maxHeadBytes ?? DEFAULT_MAX_HEAD;
    this.connectTo = tls
      ? () =>
          tlsConnect()({
            host,
            port,
            servername: isIP(host) === 0 ? host : undefined,
            ALPNProtocols: ['http/1.1'],
            ...opts.tls,
          })
      : () => netConnect({ host, port });
  }

  /** Sends a request; the handler hears the answer. Throws only for a request that cannot be sent. */
  dispatch(req: Http1Request, handler: Http1Handler): Http1Controller {
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const name in req.headers) {
      const value = req.headers[name] as string;
      if (!HTTP_TOKEN.test(name) || POOL_FRAMED_HEADERS.has(name.toLowerCase()))
        throw new TypeError(`the header "${name.slice(0, 40)}" cannot be sent upstream`);
      if (BAD_HEADER_VALUE.test(value))
        throw new TypeError(`the header "${name}" has a control character in its value`);
      head += `${name}: ${value}\r\n`;
    }
    if (req.body) head += `content-length: ${req.body.length}\r\n`;
    else if (req.method === 'POST') head += 'content-length: 0\r\n';
    head += '\r\n';
    const p = new Pending(this, head, req.body, handler, this.opts.headersTimeoutMs);
    if (this.closed) {
      this.fail(p, new UpstreamSocketError('the upstream pool is closed'));
      return p;
    }
    this.assign(p);
    return p;
  }

  /** A request whose answer is read and dropped; resolves with its status. */
  request(req: Http1Request): Promise<number> {
    return new Promise((resolve, reject) => {
      let status = 0;
      this.dispatch(req, {
        onHead: (s) => {
          status = s;
        },
        onData: () => {},
        onEnd: () => resolve(status),
        onError: reject,
      });
    });
  }

  /** Connections open now (idle, busy and connecting). */
  get size(): number {
    return this.idle.length + this.busy.size;
  }

  /**
   * Stops taking requests, closes idle connections, and resolves once every request sent or
   * waiting has ended (long-lived streams must be ended by their owner).
   */
  close(): Promise<void> {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.socket.destroy();
    if (this.busy.size === 0 && this.queue.length === 0) {
      this.stopTimer();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.closing = resolve;
    });
  }

  /** Ends every connection and request now. */
  destroy(reason: Error = new UpstreamSocketError('the upstream pool was destroyed')): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) this.fail(p, reason);
    for (const c of [...this.busy]) if (c.req) this.fail(c.req, reason);
    for (const c of this.idle.splice(0)) c.socket.destroy();
    this.settleClose();
  }

  private assign(p: Pending): void {
    const conn = this.idle.pop();
    if (conn) {
      this.busy.add(conn);
      conn.send(p);
    } else if (this.busy.size < this.opts.connections) {
      const c = new Conn(this, this.connectTo());
      this.busy.add(c);
      c.send(p);
    } else this.queue.push(p);
    this.startTimer();
  }

  /** A connection whose answer is complete: the next waiting request, the idle list, or closed. */
  release(conn: Conn): void {
    this.busy.delete(conn);
    const hint = conn.keepAliveHint - 1000;
    if (!conn.reusable || hint <= 0 || conn.socket.destroyed) {
      conn.socket.destroy();
      this.next();
      return;
    }
    const next = this.queue.shift();
    if (next) {
      this.busy.add(conn);
      conn.send(next);
      return;
    }
    if (this.closed) {
      conn.socket.destroy();
      return;
    }
    conn.idleSince = Date.now();
    this.idle.push(conn);
  }

  /** A connection that is gone (closed, failed or destroyed). */
  forget(conn: Conn): void {
    conn.socket.destroy();
    const wasBusy = this.busy.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    if (wasBusy) this.next();
  }

  /** A waiting request takes the place of a connection that closed. */
  private next(): void {
    const p = this.queue.shift();
    if (p) this.assign(p);
  }

  complete(p: Pending): void {
    p.done = true;
    p.conn = undefined;
    p.handler.onEnd();
    this.settleClose();
  }

  fail(p: Pending, err: Error): void {
    if (p.done) return;
    p.done = true;
    const conn = p.conn;
    p.conn = undefined;
    if (conn) {
      conn.req = undefined;
      this.forget(conn);
    } else {
      const i = this.queue.indexOf(p);
      if (i !== -1) this.queue.splice(i, 1);
    }
    p.handler.onError(err);
    this.settleClose();
  }

  private settleClose(): void {
    if (!this.closing || this.busy.size > 0 || this.queue.length > 0) return;
    const resolve = this.closing;
    this.closing = undefined;
    this.stopTimer();
    resolve();
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Headers timeouts and idle connections, checked every TICK_MS (cheaper than a timer per request). */
  private tick(): void {
    const now = Date.now();
    for (const c of this.busy) {
      const p = c.req;
      if (p && !p.headed && now >= p.deadline)
        this.fail(p, new HeadersTimeoutError('no answer within the timeout'));
    }
    for (const p of [...this.queue]) {
      if (now >= p.deadline) this.fail(p, new HeadersTimeoutError('no answer within the timeout'));
    }
    for (const c of [...this.idle]) {
      if (now - c.idleSince >= Math.min(this.opts.keepAliveMs, c.keepAliveHint - 1000)) this.forget(c);
    }
    if (this.busy.size === 0 && this.idle.length === 0 && this.queue.length === 0) this.stopTimer();
  }
}

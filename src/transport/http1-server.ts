import { EventEmitter } from 'node:events';
import {
  type IncomingHttpHeaders,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  type Server,
  STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import { HTTP_TOKEN, isTokenAt, valueEnd, valueStart } from '../core/http-header.ts';

// The gateway's own HTTP/1.1 server for the requests on its data path, in front of node:http.
//
// node:http spends ~15 µs of JavaScript per request on this machine (an IncomingMessage and a
// ServerResponse stream, their events, timers and nextTicks), paid on a cold CPU when calls come
// one at a time (docs/bench.md, stop 17: 28–50 µs less per call at 1 session). Here a connection is read by a parser that only knows the requests an MCP client sends most:
// POST, GET and DELETE of an MCP route, HTTP/1.1, a Content-Length body within the limit, clean
// header lines. Everything else (another route, a chunked body, an Expect or Upgrade, a repeated
// header, an obs-fold, a control or non-ASCII byte, an oversized head, HTTP/1.0 …) is not parsed
// here at all: the connection, with every byte read so far, is handed to node:http for good, and
// its strict parser answers as it always did (400, 413 from the ingress, 431 …). So a request this
// parser takes sees exactly the `req.headers` node:http would have made of it, and one it cannot
// take is not misread.
//
// Responses frame themselves as RFC 9112 §6 says: Content-Length when the length is known
// (given, or the whole body handed to end()), chunked otherwise, none for 1xx/204/304. A response
// whose body does not match its Content-Length is cut at that length and closes the connection
// after it, so the next answer on it can never be misread. Requests on one connection are answered
// in order, one at a time; bytes of a pipelined request wait (reading pauses past a bound, and
// while earlier answers wait to be written) until the answer before it is out.

export interface FastIngressOptions {
  /** Whether a request for this path (without its query) is served here; others go to node:http. */
  accepts(path: string): boolean;
  /** The request head at most (node:http's maxHeaderSize); a larger one is node:http's (431). */
  maxHeadBytes: number;
  /** A larger declared body goes to node:http, whose handler refuses it (413). */
  maxBodyBytes: number;
  /** An idle keep-alive connection is closed after this; also announced in `Keep-Alive`. */
  keepAliveMs: number;
  /** From a request's first byte to the end of its head; past it the answer is 408. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body; past it the answer is 408. */
  requestTimeoutMs: number;
  /** The response class (a subclass of FastResponse, such as one that records what it sends). */
  Response?: new (
    conn: ResponseTarget,
  ) => FastResponse;
}

export interface FastIngress {
  /** Closes idle connections now, and every other one once its answer is out. */
  closeIdleConnections(): void;
  /** Destroys every connection this server holds (not those handed to node:http). */
  closeAllConnections(): void;
  /** Connections held here. */
  readonly connections: number;
}

/** A request read by this server: its body is already in (it is small, and bounded). */
export class FastRequest {
  readonly httpVersion = '1.1';
  constructor(
    readonly method: string,
    readonly url: string,
    /** Lowercase names, values trimmed, no prototype; no name occurs twice (those go to node:http). */
    readonly headers: IncomingHttpHeaders,
    readonly body: Buffer,
    readonly socket: Socket,
  ) {}
}

/** What a response needs of its connection. */
export interface ResponseTarget {
  readonly socket: Socket;
  /** The connection closes after this answer (asked by the client, or the server is closing). */
  readonly closeAfter: boolean;
  /** The `Keep-Alive` header's value when it stays open. */
  readonly keepAliveHint: string;
  /** The answer is out (or abandoned): its bytes are all written to the socket. */
  answered(res: FastResponse, closeConnection: boolean): void;
}

type Callback = (err?: Error | null) => void;
type Chunk = string | Uint8Array;

const REQUEST_LINE = /^(POST|GET|DELETE) (\/[!-~]*) HTTP\/1\.1$/;
// Anything but visible ASCII, space, tab, CR and LF in a head (a CR or LF must be a line end).
const UNCLEAN_HEAD = /[^\t\x20-\x7e\r\n]/;
// What node:http refuses in a header value it sends (checkInvalidHeaderChar).
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CONTENT_LENGTH = /^\d{1,15}$/;
const CLOSE_TOKEN = /(?:^|,)\s*close\s*(?:,|$)/i;
const MAX_HEADER_LINES = 2000;
// A property name must be an internalized string: a name read from the wire is looked up in V8's
// string table on every use as a key (~0.1 µs each). The names MCP clients send are mapped to these
// constants instead, which are internalized once.
const KNOWN_NAMES = new Map(
  [
    'host',
    'connection',
    'content-type',
    'content-length',
    'accept',
    'accept-encoding',
    'accept-language',
    'user-agent',
    'authorization',
    'origin',
    'referer',
    'cookie',
    'mcp-session-id',
    'mcp-protocol-version',
    'mcp-method',
    'mcp-name',
    'last-event-id',
    'sec-fetch-mode',
    'sec-fetch-site',
    'sec-fetch-dest',
    'traceparent',
    'tracestate',
    'x-request-id',
    'x-forwarded-for',
  ].map((n) => [n, n]),
);
const TICK_MS = 1000;
const EMPTY = Buffer.alloc(0);
const NON_ASCII = /[^\t\r\n\x20-\x7e]/;
const TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

interface Head {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyLength: number;
  close: boolean;
}

/** Whether a head ends in these bytes: a blank line after CRLF or a bare LF ("\n\r\n" is in "\r\n\r\n"). */
function hasHeadEnd(bytes: Buffer): boolean {
  return bytes.indexOf('\n\r\n', 0, 'latin1') !== -1 || bytes.indexOf('\n\n', 0, 'latin1') !== -1;
}

/** The last two bytes, copied: where a head's end may begin, kept across pieces. */
function lastTwo(bytes: Buffer): Buffer {
  return Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2)));
}

/** No CR or LF between `from` and the line's end `end` (a bare CR or LF is node:http's to refuse). */
function lineEndsClean(text: string, from: number, end: number): boolean {
  const cr = text.indexOf('\r', from);
  const lf = text.indexOf('\n', from);
  return (cr === -1 || cr >= end) && (lf === -1 || lf > end);
}

/** The request head, if this server takes it; undefined sends the connection to node:http. */
export function parseRequestHead(text: string, opts: FastIngressOptions): Head | undefined {
  if (UNCLEAN_HEAD.test(text)) return undefined;
  let eol = text.indexOf('\r\n');
  if (eol === -1) eol = text.length;
  if (!lineEndsClean(text, 0, eol)) return undefined;
  const line = REQUEST_LINE.exec(text.slice(0, eol));
  if (!line) return undefined;
  const url = line[2] as string;
  const q = url.indexOf('?');
  if (!opts.accepts(q === -1 ? url : url.slice(0, q))) return undefined;
  const headers: Record<string, string> = Object.create(null);
  let count = 0;
  let pos = eol + 2;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', pos);
    if (colon === -1 || colon >= end || ++count > MAX_HEADER_LINES) return undefined;
    if (!lineEndsClean(text, pos, end)) return undefined;
    if (!isTokenAt(text, pos, colon)) return undefined;
    const lower = text.slice(pos, colon).toLowerCase();
    const name = KNOWN_NAMES.get(lower) ?? lower;
    if (headers[name] !== undefined || name === '__proto__') return undefined;
    const from = valueStart(text, colon + 1, end);
    headers[name] = text.slice(from, valueEnd(text, from, end));
    pos = end + 2;
  }
  if (headers.host === undefined || headers['transfer-encoding'] !== undefined) return undefined;
  if (headers.expect !== undefined || headers.upgrade !== undefined) return undefined;
  let close = false;
  const connection = headers.connection;
  if (connection !== undefined) {
    const c = connection.toLowerCase();
    if (c === 'close') close = true;
    else if (c !== 'keep-alive') return undefined;
  }
  let bodyLength = 0;
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!CONTENT_LENGTH.test(cl)) return undefined;
    bodyLength = Number(cl);
    if (bodyLength > opts.maxBodyBytes || (bodyLength > 0 && line[1] !== 'POST')) return undefined;
  }
  return { method: line[1] as string, url, headers, bodyLength, close };
}

let dateSecond = 0;
let dateText = '';
/** The Date header's value, made once a second. */
function httpDate(): string {
  const s = Math.floor(Date.now() / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(s * 1000).toUTCString();
  }
  return dateText;
}

function headersSentError(): Error {
  return Object.assign(new Error('Cannot set headers after they are sent to the client'), {
    code: 'ERR_HTTP_HEADERS_SENT',
  });
}

function checkHeader(name: string, value: OutgoingHttpHeader): void {
  if (!HTTP_TOKEN.test(name)) {
    throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), {
      code: 'ERR_INVALID_HTTP_TOKEN',
    });
  }
  for (const v of Array.isArray(value) ? value : [value]) {
    if (BAD_VALUE.test(String(v))) {
      throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), {
        code: 'ERR_INVALID_CHAR',
      });
    }
  }
}

const byteLength = (c: Chunk): number => (typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength);

/**
 * The answer to a FastRequest: the part of node's ServerResponse the gateway uses, with its
 * events ('drain'; 'finish' once the last byte is written; 'close' once, after 'finish' or when
 * the connection goes first).
 */
export class FastResponse extends EventEmitter {
  statusCode = 200;
  statusMessage: string | undefined = undefined;
  /** The head is on the wire. */
  #sent = false;
  #fields: Map<string, [name: string, value: OutgoingHttpHeader]> | undefined;
  /** writeHead was called: the head waits for the first byte of the body. */
  #headed = false;
  #chunked = false;
  #noBody = false;
  /** The Content-Length sent, and the body bytes written against it. */
  #length = -1;
  #written = 0;
  #ended = false;
  #finished = false;
  #closed = false;
  #destroyed = false;
  #closeConnection = false;
  #onDrain: (() => void) | undefined;

  constructor(readonly conn: ResponseTarget) {
    super();
  }

  /** As node:http's: true once writeHead was called, even before the head is written. */
  get headersSent(): boolean {
    return this.#sent || this.#headed;
  }

  get writableEnded(): boolean {
    return this.#ended;
  }

  get writableFinished(): boolean {
    return this.#finished;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  setHeader(name: string, value: OutgoingHttpHeader): this {
    if (this.headersSent) throw headersSentError();
    checkHeader(name, value);
    this.#fields ??= new Map();
    this.#fields.set(name.toLowerCase(), [name, value]);
    return this;
  }

  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this.#fields?.get(name.toLowerCase())?.[1];
  }

  hasHeader(name: string): boolean {
    return this.#fields?.has(name.toLowerCase()) === true;
  }

  removeHeader(name: string): void {
    if (this.headersSent) throw headersSentError();
    this.#fields?.delete(name.toLowerCase());
  }

  writeHead(status: number, reason?: string | OutgoingHttpHeaders, headers?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw headersSentError();
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw Object.assign(new RangeError(`Invalid status code: ${status}`), {
        code: 'ERR_HTTP_INVALID_STATUS_CODE',
      });
    }
    if (typeof reason === 'string') {
      if (BAD_VALUE.test(reason) || reason.includes('\r') || reason.includes('\n')) {
        throw Object.assign(new TypeError('Invalid character in statusMessage'), {
          code: 'ERR_INVALID_CHAR',
        });
      }
      this.statusMessage = reason;
    }
    const given = typeof reason === 'string' ? headers : reason;
    if (given) {
      for (const name in given) {
        const value = given[name];
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    this.statusCode = status;
    this.#headed = true;
    return this;
  }

  flushHeaders(): void {
    if (this.#sent || this.#destroyed) return;
    this.#send(this.#head(undefined), undefined);
  }

  write(chunk: Chunk, encoding?: BufferEncoding | Callback, cb?: Callback): boolean {
    const done = typeof encoding === 'function' ? encoding : cb;
    const enc = typeof encoding === 'string' ? encoding : undefined;
    if (this.#ended || this.#destroyed) {
      if (done) process.nextTick(done, new Error(this.#ended ? 'write after end' : 'the response is gone'));
      return false;
    }
    const head = this.#sent ? '' : this.#head(undefined);
    return this.#send(head, this.#frame(chunk, enc), done);
  }

  end(chunk?: Chunk | Callback, encoding?: BufferEncoding | Callback, cb?: Callback): this {
    let data: Chunk | undefined;
    let done: Callback | undefined;
    let enc: BufferEncoding | undefined;
    if (typeof chunk === 'function') done = chunk;
    else {
      data = chunk ?? undefined;
      if (typeof encoding === 'function') done = encoding;
      else {
        enc = encoding;
        done = cb;
      }
    }
    if (this.#ended || this.#destroyed) {
      if (done) process.nextTick(done);
      return this;
    }
    this.#ended = true;
    if (data !== undefined && typeof data === 'string' && enc !== undefined && enc !== 'utf8') {
      data = Buffer.from(data, enc);
    }
    const head = this.#sent ? '' : this.#head(data === undefined ? 0 : byteLength(data));
    let body: Chunk[] | Chunk | undefined =
      data === undefined || this.#noBody ? undefined : this.#frame(data);
    if (this.#chunked) body = body === undefined ? '0\r\n\r\n' : [...(body as Chunk[]), '0\r\n\r\n'];
    if (this.#length >= 0 && this.#written !== this.#length && !this.#noBody) this.#closeConnection = true;
    this.#send(head, body, (err) => {
      if (!err && !this.conn.socket.destroyed) {
        this.#finished = true;
        this.emit('finish');
      }
      // Written, or the connection went before the last byte: either way the answer is over.
      this.#close();
      if (done) done();
    });
    this.conn.answered(this, this.#closeConnection);
    return this;
  }

  destroy(_err?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    this.conn.socket.destroy();
    this.#close();
    return this;
  }

  /** The connection closed before this answer was out. */
  abandon(): void {
    if (this.#closed) return;
    this.#destroyed = true;
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#destroyed = true;
    if (this.#onDrain) this.conn.socket.off('drain', this.#onDrain);
    if (!this.#finished && !this.#ended) this.conn.answered(this, true);
    this.emit('close');
  }

  /** The status line and header fields; `endLength` is the whole body's length when end() sends it. */
  #head(endLength: number | undefined): string {
    this.#sent = true;
    const status = this.statusCode;
    let text = `HTTP/1.1 ${status} ${this.statusMessage ?? STATUS_CODES[status] ?? 'unknown'}\r\n`;
    let length: string | undefined;
    let connectionClose = this.conn.closeAfter;
    let dated = false;
    if (this.#fields) {
      for (const [key, [name, value]] of this.#fields) {
        if (key === 'content-length') {
          length = String(value);
          continue;
        }
        if (key === 'connection') {
          if (CLOSE_TOKEN.test(String(value))) connectionClose = true;
          continue;
        }
        if (key === 'transfer-encoding' || key === 'keep-alive') continue;
        if (key === 'date') dated = true;
        if (Array.isArray(value)) for (const v of value) text += `${name}: ${v}\r\n`;
        else text += `${name}: ${value}\r\n`;
      }
    }
    this.#noBody = status === 204 || status === 304 || status < 200;
    if (!this.#noBody) {
      if (length !== undefined && CONTENT_LENGTH.test(length)) this.#length = Number(length);
      else if (endLength !== undefined) this.#length = endLength;
      else this.#chunked = true;
      text += this.#chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${this.#length}\r\n`;
    }
    if (connectionClose) this.#closeConnection = true;
    if (!dated) text += `Date: ${httpDate()}\r\n`;
    text += connectionClose
      ? 'Connection: close\r\n\r\n'
      : `Connection: keep-alive\r\nKeep-Alive: ${this.conn.keepAliveHint}\r\n\r\n`;
    return text;
  }

  /** A body chunk as it goes on the wire. */
  #frame(chunk: Chunk, enc?: BufferEncoding): Chunk[] | Chunk | undefined {
    if (this.#noBody) return undefined;
    const data =
      typeof chunk === 'string' && enc !== undefined && enc !== 'utf8' ? Buffer.from(chunk, enc) : chunk;
    const n = byteLength(data);
    if (n === 0) return undefined;
    if (!this.#chunked) {
      const room = this.#length - this.#written;
      if (n > room) {
        // More than the Content-Length said: the excess is not sent, and the connection closes.
        this.#closeConnection = true;
        this.#written = this.#length;
        if (room <= 0) return undefined;
        return (typeof data === 'string' ? Buffer.from(data) : data).subarray(0, room);
      }
      this.#written += n;
      return data;
    }
    return [`${n.toString(16)}\r\n`, data, '\r\n'];
  }

  #send(head: string, body: Chunk[] | Chunk | undefined, cb?: Callback): boolean {
    const socket = this.conn.socket;
    if (socket.destroyed) {
      if (cb) process.nextTick(cb, new Error('the connection is closed'));
      return false;
    }
    let ok: boolean;
    // The head goes out as latin1 (as node:http sends it); joined to a string body, which is UTF-8,
    // only when it is ASCII and so reads the same either way.
    const joinable = head === '' || !NON_ASCII.test(head);
    if (body === undefined) ok = socket.write(head, 'latin1', cb);
    else if (!Array.isArray(body)) {
      if (typeof body === 'string' && joinable) ok = socket.write(head + body, 'utf8', cb);
      else if (head === '') ok = socket.write(body, cb);
      else {
        socket.cork();
        socket.write(head, 'latin1');
        ok = socket.write(body, cb);
        socket.uncork();
      }
    } else if (joinable && body.every((p) => typeof p === 'string')) {
      ok = socket.write(head + (body as string[]).join(''), 'utf8', cb);
    } else {
      socket.cork();
      if (head !== '') socket.write(head, 'latin1');
      for (let i = 0; i < body.length - 1; i++) socket.write(body[i] as Chunk);
      ok = socket.write(body[body.length - 1] as Chunk, cb);
      socket.uncork();
    }
    if (!ok && !this.#onDrain) {
      this.#onDrain = () => {
        this.#onDrain = undefined;
        if (!this.#closed) this.emit('drain');
      };
      socket.once('drain', this.#onDrain);
    }
    return ok;
  }
}

class Conn implements ResponseTarget {
  /**
   * Bytes read and not yet taken by a request, as they came: joined only when a request may be
   * complete, so a head or body sent in many small pieces is copied once, not once per piece.
   */
  parts: Buffer[] = [];
  bytes = 0;
  /** The last bytes of a head still coming, so that its end is found across pieces. */
  tail: Buffer = EMPTY;
  /** The head of a request whose body is still coming, and where that body starts. */
  pending: Head | undefined;
  bodyAt = 0;
  res: FastResponse | undefined;
  /** When the current request's first byte came (0: none under way); when it went idle. */
  startedAt = 0;
  idleSince = Date.now();
  /** The client asked to close after this answer. */
  closeAsked = false;
  /** Earlier answers are not written out yet: no next request is read until they are. */
  waitingDrain = false;
  gone = false;
  readonly keepAliveHint: string;
  private readonly onData = (d: Buffer): void => this.read(d);
  private readonly onEnd = (): void => this.ended();
  private readonly onError = (): void => {};
  private readonly onClose = (): void => this.closed();
  private readonly onDrained = (): void => {
    this.waitingDrain = false;
    this.next();
  };

  constructor(
    readonly ingress: Ingress,
    readonly socket: Socket,
  ) {
    this.keepAliveHint = `timeout=${Math.floor(ingress.opts.keepAliveMs / 1000)}`;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private read(data: Buffer): void {
    // Closing after an answer: whatever else the client sends is not read into memory.
    if (this.gone) return;
    if (this.startedAt === 0) this.startedAt = Date.now();
    this.parts.push(data);
    this.bytes += data.length;
    if (this.res) {
      // A pipelined request waits for the answer before it; so much of it, and reading stops.
      if (this.bytes > this.ingress.maxBuffered) this.socket.pause();
      return;
    }
    if (this.pending) {
      if (this.bytes >= this.bodyAt + this.pending.bodyLength) this.parse();
    } else if (this.headMayEnd(data) || this.bytes > this.ingress.opts.maxHeadBytes) this.parse();
  }

  /** Whether the head may end in these bytes: a blank line, or one ended by a bare LF (node's to refuse). */
  private headMayEnd(data: Buffer): boolean {
    const probe = this.tail.length === 0 ? data : Buffer.concat([this.tail, data]);
    this.tail = lastTwo(probe);
    return hasHeadEnd(probe);
  }

  /** Takes the next request from the bytes read, if it is all there. */
  parse(): void {
    if (this.res || this.waitingDrain || this.gone || this.bytes === 0) return;
    const opts = this.ingress.opts;
    // The first piece alone is used while it holds the whole request, so that many small
    // pipelined requests behind a large buffer do not each copy it again.
    let buf = this.parts[0] as Buffer;
    let head = this.pending;
    if (head === undefined) {
      let end = buf.indexOf('\r\n\r\n', 0, 'latin1');
      if (end === -1 && this.parts.length > 1) {
        buf = this.join();
        end = buf.indexOf('\r\n\r\n', 0, 'latin1');
      }
      if (end === -1) {
        // No CRLF blank line: a head end found is one ended by a bare LF, node:http's to refuse
        // (400), not left to time out here.
        if (hasHeadEnd(buf) || this.bytes > opts.maxHeadBytes) this.handOff();
        else this.tail = lastTwo(buf);
        return;
      }
      this.tail = EMPTY;
      head = end + 4 > opts.maxHeadBytes ? undefined : parseRequestHead(buf.toString('latin1', 0, end), opts);
      if (head === undefined) {
        this.handOff();
        return;
      }
      this.pending = head;
      this.bodyAt = end + 4;
    }
    const total = this.bodyAt + head.bodyLength;
    if (this.bytes < total) return;
    if (buf.length < total) buf = this.join();
    this.pending = undefined;
    const body = buf.subarray(this.bodyAt, total);
    const rest = buf.subarray(total);
    if (rest.length > 0) this.parts[0] = rest;
    else this.parts.shift();
    this.bytes -= total;
    this.startedAt = this.bytes === 0 ? 0 : Date.now();
    if (head.close) this.closeAsked = true;
    const res = new this.ingress.Response(this);
    this.res = res;
    this.ingress.handler(new FastRequest(head.method, head.url, head.headers, body, this.socket), res);
  }

  /** The pieces read, as one buffer. */
  private join(): Buffer {
    const buf = Buffer.concat(this.parts, this.bytes);
    this.parts = [buf];
    return buf;
  }

  get closeAfter(): boolean {
    return this.closeAsked || this.ingress.closing;
  }

  answered(res: FastResponse, closeConnection: boolean): void {
    if (this.res !== res) return;
    this.res = undefined;
    this.idleSince = Date.now();
    if (this.gone) return;
    if (closeConnection || this.closeAfter) {
      // Closed once the answer is written, whether or not the client closes its side; still
      // held here until then, so that closeAllConnections() can end it.
      this.gone = true;
      if (res.destroyed) this.socket.destroy();
      else this.socket.destroySoon();
      return;
    }
    // A client that does not read its answers: reading stops until they are written out (as
    // node:http does), so its pipelined requests cannot pile answers up in memory.
    if (this.socket.writableNeedDrain) {
      this.waitingDrain = true;
      this.socket.pause();
      this.socket.once('drain', this.onDrained);
      return;
    }
    this.next();
  }

  /** Reads on: the next request, if its bytes are here. */
  private next(): void {
    if (this.gone) return;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.bytes > 0) queueMicrotask(() => this.parse());
  }

  /** node:http serves this connection from here on, starting with the bytes read so far. */
  private handOff(): void {
    this.gone = true;
    this.ingress.conns.delete(this);
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.off('drain', this.onDrained);
    socket.pause();
    if (this.bytes > 0)
      socket.unshift(this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts));
    this.parts = [];
    this.bytes = 0;
    // node:http reads a socket it has never seen straight from its handle (parser.consume),
    // bypassing the bytes put back above; a handle marked consumed is read through the stream.
    const handle = (socket as unknown as { _handle?: { _consumed?: boolean } })._handle;
    if (handle) handle._consumed = true;
    for (const listener of this.ingress.nodeListeners) listener.call(this.ingress.server, socket);
    socket.resume();
  }

  /** The client will send nothing more (node:http without allowHalfOpen: the connection ends). */
  private ended(): void {
    this.gone = true;
    if (this.socket.writable) this.socket.end();
  }

  private closed(): void {
    this.gone = true;
    this.ingress.conns.delete(this);
    const res = this.res;
    this.res = undefined;
    res?.abandon();
  }

  /** The server's tick: timeouts of requests under way and of idle connections. */
  check(now: number): void {
    if (this.gone || this.res) return;
    const opts = this.ingress.opts;
    if (this.startedAt > 0) {
      const limit = this.pending ? opts.requestTimeoutMs : opts.headersTimeoutMs;
      if (limit > 0 && now - this.startedAt > limit) {
        this.gone = true;
        this.socket.end(TIMEOUT_ANSWER, 'latin1');
        this.socket.destroy();
      }
    } else if (now - this.idleSince > opts.keepAliveMs) {
      this.gone = true;
      this.socket.destroy();
    }
  }
}

class Ingress implements FastIngress {
  readonly conns = new Set<Conn>();
  readonly Response: new (
    conn: ResponseTarget,
  ) => FastResponse;
  readonly maxBuffered: number;
  closing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly server: Server,
    readonly opts: FastIngressOptions,
    readonly handler: (req: FastRequest, res: FastResponse) => void,
    readonly nodeListeners: ((socket: Socket) => void)[],
  ) {
    this.Response = opts.Response ?? FastResponse;
    this.maxBuffered = opts.maxHeadBytes + opts.maxBodyBytes;
  }

  accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.conns.add(new Conn(this, socket));
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  private tick(): void {
    if (this.conns.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const c of this.conns) c.check(now);
  }

  get connections(): number {
    return this.conns.size;
  }

  closeIdleConnections(): void {
    this.closing = true;
    for (const c of this.conns) {
      // Idle: no answer under way or being written out, no request coming in.
      if (!c.res && !c.gone && !c.waitingDrain && c.bytes === 0) {
        c.gone = true;
        c.socket.destroy();
      }
    }
  }

  closeAllConnections(): void {
    this.closing = true;
    for (const c of this.conns) c.socket.destroy();
  }
}

/**
 * Puts this server in front of `server`'s own connection handling: connections are read here, and
 * handed to node:http (whose request handler then serves them) at the first request not taken here.
 */
export function attachFastIngress(
  // biome-ignore lint/suspicious/noExplicitAny: any node:http server, whatever its classes
  server: Server<any, any>,
  opts: FastIngressOptions,
  handler: (req: FastRequest, res: FastResponse) => void,
): FastIngress {
  const nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const ingress = new Ingress(server, opts, handler, nodeListeners);
  server.on('connection', (socket: Socket) => ingress.accept(socket));
  return ingress;
}

import type { OutgoingHttpHeaders } from 'node:http';
import type { GatewayError } from '../core/errors.ts';
import type { Exchange, IngressResponse } from '../core/exchange.ts';
import { type JsonRpcId, type JsonRpcMessage, rpcError } from '../core/jsonrpc.ts';
import { errorData, writeHead } from './respond.ts';

// The answer to one POST (or the GET stream) when the gateway itself plays the Streamable HTTP
// server, as it does for stdio upstreams. A single request is answered as JSON when its response
// is the first thing that comes back, and as SSE as soon as anything comes before it.

/** Resumability for one legacy session: recent SSE events, by stream (MCP 2025-11-25 Last-Event-ID). */
export class EventLog {
  readonly #max: number;
  #events: { stream: string; seq: number; data: string }[] = [];

  constructor(max = 1000) {
    this.#max = max;
  }

  add(stream: string, seq: number, data: string): void {
    this.#events.push({ stream, seq, data });
    if (this.#events.length > this.#max) this.#events.splice(0, this.#events.length - this.#max);
  }

  after(stream: string, seq: number): { seq: number; data: string }[] {
    return this.#events.filter((e) => e.stream === stream && e.seq > seq);
  }
}

let streamCounter = 0;

export class AnswerStream {
  readonly streamId: string;
  readonly #ex: Exchange;
  readonly #headers: OutgoingHttpHeaders;
  readonly #log: EventLog | undefined;
  #res: IngressResponse | undefined;
  #mode: 'pending' | 'json' | 'sse' = 'pending';
  #seq = 0;
  #ended = false;
  #onEnd: (() => void)[] = [];
  readonly #preferJson: boolean;

  constructor(ex: Exchange, opts: { preferJson: boolean; headers?: OutgoingHttpHeaders; log?: EventLog }) {
    this.#ex = ex;
    this.#res = ex.res;
    this.#preferJson = opts.preferJson;
    this.#headers = opts.headers ?? {};
    this.#log = opts.log;
    this.streamId = `${process.pid.toString(36)}${(++streamCounter).toString(36)}`;
    ex.res.once('close', () => {
      if (this.#res === ex.res) this.#res = undefined;
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  get attached(): boolean {
    return this.#res !== undefined && !this.#res.destroyed;
  }

  /** Starts the SSE answer now (GET streams). */
  open(): void {
    if (this.#mode === 'pending') this.#startSse();
  }

  /** Sends one message; `final` marks the response that completes a single-request POST. */
  send(msg: JsonRpcMessage, final = false): void {
    if (this.#ended) return;
    const outbound = this.#ex.outbound;
    const data = JSON.stringify(outbound ? outbound(msg) : msg);
    if (this.#mode === 'pending' && this.#preferJson && final && this.#res) {
      this.#mode = 'json';
      const res = this.#res;
      const len = Buffer.byteLength(data);
      this.#headers['content-type'] = 'application/json';
      this.#headers['content-length'] = len;
      writeHead(this.#ex, 200, this.#headers);
      this.#ex.bytesOut += len;
      res.end(data);
      return;
    }
    if (this.#mode === 'pending') this.#startSse();
    const seq = ++this.#seq;
    this.#log?.add(this.streamId, seq, data);
    const res = this.#res;
    if (res && !res.destroyed) {
      const event = `id: ${this.streamId}-${seq}\nevent: message\ndata: ${data}\n\n`;
      this.#ex.bytesOut += Buffer.byteLength(event);
      res.write(event);
    }
  }

  /** Answers `ids` with the error: an HTTP error if nothing was sent yet, SSE events otherwise. */
  fail(err: GatewayError, ids: readonly JsonRpcId[]): void {
    if (this.#ended) return;
    const data = errorData(this.#ex, err);
    this.#ex.outcome = 'error';
    this.#ex.errorCode = err.code;
    if (this.#mode === 'pending' && this.#res && ids.length <= 1) {
      const body = JSON.stringify(rpcError(ids[0] ?? null, err.rpc, err.message, data));
      this.#headers['content-type'] = 'application/json';
      this.#headers['content-length'] = Buffer.byteLength(body);
      writeHead(this.#ex, err.http, this.#headers);
      this.#ex.bytesOut += Buffer.byteLength(body);
      this.#mode = 'json';
      this.#res.end(body);
    } else {
      for (const id of ids) this.send(rpcError(id, err.rpc, err.message, data));
    }
    this.end();
  }

  /** Points the stream at a new connection (GET with Last-Event-ID) after replaying what it missed. */
  attach(res: IngressResponse, missed: readonly { seq: number; data: string }[]): void {
    this.#res = res;
    res.once('close', () => {
      if (this.#res === res) this.#res = undefined;
    });
    res.writeHead(200, sseHeaders());
    res.flushHeaders();
    for (const e of missed) res.write(`id: ${this.streamId}-${e.seq}\nevent: message\ndata: ${e.data}\n\n`);
    if (this.#ended) res.end();
    else this.#onEnd.push(() => res.end());
  }

  whenEnded(fn: () => void): void {
    if (this.#ended) fn();
    else this.#onEnd.push(fn);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const res = this.#res;
    if (res && !res.writableEnded) {
      if (this.#mode === 'pending') {
        writeHead(this.#ex, 202, this.#headers);
      }
      res.end();
    }
    for (const fn of this.#onEnd) fn();
    this.#onEnd = [];
  }

  #startSse(): void {
    this.#mode = 'sse';
    const res = this.#res;
    if (!res) return;
    Object.assign(this.#headers, sseHeaders());
    writeHead(this.#ex, 200, this.#headers);
    res.flushHeaders();
  }
}

function sseHeaders(): OutgoingHttpHeaders {
  return { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
}

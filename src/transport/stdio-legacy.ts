import type { StdioUpstreamConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';
import type { JsonRpcId, JsonRpcMessage } from '../core/jsonrpc.ts';
import type { Session } from '../session/index.ts';
import { AnswerStream, EventLog } from './answer-stream.ts';
import { isInitialize, markRpcError, writeHead } from './respond.ts';
import { type ProcessBudget, StdioChild } from './stdio-child.ts';

// A legacy-era session on a stdio upstream: one child process per client session, and the
// gateway plays the Streamable HTTP server (MCP 2025-11-25 basic/transports): answers as JSON or
// SSE, server→client requests and notifications on the POST stream of a pending request or on
// the GET stream, Last-Event-ID resumption, 202 for notifications and responses.

/** The requests of one POST, answered on one stream that ends with the last of them. */
interface AnswerGroup {
  readonly stream: AnswerStream;
  open: number;
}

interface Pending {
  readonly ex: Exchange;
  readonly id: JsonRpcId;
  readonly stream: AnswerStream;
  readonly group: AnswerGroup;
  readonly progressToken: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

const MAX_QUEUED = 1000;

/** Notifications about the session rather than about one request. */
const SESSION_SCOPED: ReadonlySet<string> = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/roots/list_changed',
]);

function key(id: unknown): string {
  return typeof id === 'number' ? `n${id}` : `s${String(id)}`;
}

export class LegacyStdioSession {
  readonly #name: string;
  readonly #child: StdioChild;
  readonly #session: Session;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #progress = new Map<string, Pending>();
  /** Streams with requests still open, by stream id, for Last-Event-ID resumption. */
  readonly #streams = new Map<string, AnswerStream>();
  readonly #events = new EventLog();
  #getStream: AnswerStream | undefined;
  #queued: JsonRpcMessage[] = [];
  #closed = false;

  constructor(
    name: string,
    cfg: Readonly<StdioUpstreamConfig>,
    budget: ProcessBudget,
    session: Session,
    timeoutMs: number,
    credentialEnv?: Readonly<Record<string, string>>,
  ) {
    this.#name = name;
    this.#session = session;
    this.#timeoutMs = timeoutMs;
    this.#child = new StdioChild(
      cfg,
      budget,
      {
        onMessage: (m) => this.#route(m),
        onExit: () => this.#onExit(),
      },
      credentialEnv,
    );
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** A POST in this session: every message goes to the child; requests are answered on one stream. */
  post(ex: Exchange): Promise<void> {
    const requests = ex.messages.filter((m) => m.method !== undefined && m.id !== undefined && m.id !== null);
    for (const m of ex.messages) {
      if (m.method === 'notifications/cancelled') this.#cancelled(m.params?.requestId);
    }
    if (requests.length === 0) {
      this.#child.send(ex.messages[0] as JsonRpcMessage, ex.isBatch ? undefined : ex.body);
      for (const m of ex.messages.slice(1)) this.#child.send(m);
      writeHead(ex, 202, {});
      ex.res.end();
      return Promise.resolve();
    }
    const headers = isInitialize(ex) ? { 'mcp-session-id': this.#session.id } : {};
    const stream = new AnswerStream(ex, { preferJson: !ex.isBatch, headers, log: this.#events });
    for (const m of requests) {
      const k = key(m.id);
      if (this.#pending.has(k)) {
        throw new GatewayError('CUSTOS_INVALID_REQUEST', {
          detail: 'a request with this id is still pending',
        });
      }
    }
    const group: AnswerGroup = { stream, open: requests.length };
    for (const m of requests) {
      const token = (m.params?._meta as Record<string, unknown> | undefined)?.progressToken;
      const p: Pending = {
        ex,
        id: m.id as JsonRpcId,
        stream,
        group,
        progressToken: token === undefined ? undefined : key(token),
        timer: undefined,
      };
      this.#pending.set(key(m.id), p);
      if (p.progressToken !== undefined) this.#progress.set(p.progressToken, p);
      this.#arm(p);
    }
    this.#streams.set(stream.streamId, stream);
    ex.cancel = (err) => this.#cancelGroup(group, err);
    const done = new Promise<void>((resolve) => stream.whenEnded(resolve));
    stream.whenEnded(() => this.#streams.delete(stream.streamId));
    this.#child.send(ex.messages[0] as JsonRpcMessage, ex.isBatch ? undefined : ex.body);
    for (const m of ex.messages.slice(1)) this.#child.send(m);
    return done;
  }

  /** The GET stream, or a resumed stream when Last-Event-ID names one. */
  get(ex: Exchange): Promise<void> {
    const last = ex.req.headers['last-event-id'];
    if (typeof last === 'string') {
      const dash = last.lastIndexOf('-');
      const streamId = last.slice(0, dash);
      const seq = Number(last.slice(dash + 1));
      const stream =
        this.#streams.get(streamId) ?? (this.#getStream?.streamId === streamId ? this.#getStream : undefined);
      if (dash > 0 && Number.isInteger(seq) && stream) {
        stream.attach(ex.res, this.#events.after(streamId, seq));
        return new Promise((resolve) => {
          ex.res.once('close', resolve);
          stream.whenEnded(resolve);
        });
      }
      // An unknown or expired event id: a fresh GET stream, as if none were given.
    }
    if (this.#getStream && !this.#getStream.ended && this.#getStream.attached) {
      throw new GatewayError('CUSTOS_STREAM_CONFLICT');
    }
    const stream = new AnswerStream(ex, { preferJson: false, log: this.#events });
    this.#getStream = stream;
    stream.open();
    ex.cancel = () => stream.end();
    const handle = { end: () => stream.end() };
    this.#session.streams.add(handle);
    ex.ctx.longLived.add(handle);
    const queued = this.#queued;
    this.#queued = [];
    for (const m of queued) stream.send(m);
    return new Promise((resolve) => {
      const finish = (): void => {
        this.#session.streams.delete(handle);
        ex.ctx.longLived.delete(handle);
        if (this.#getStream === stream) this.#getStream = undefined;
        stream.end();
        resolve();
      };
      ex.res.once('close', finish);
      stream.whenEnded(finish);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(
      new GatewayError('CUSTOS_UPSTREAM_EXITED', { detail: `server '${this.#name}': session ended` }),
    );
    this.#getStream?.end();
    await this.#child.kill();
  }

  #arm(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => this.#timedOut(p), this.#timeoutMs);
    p.timer.unref();
  }

  #settle(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    this.#pending.delete(key(p.id));
    if (p.progressToken !== undefined) this.#progress.delete(p.progressToken);
    if (--p.group.open === 0) p.stream.end();
  }

  #timedOut(p: Pending): void {
    const err = new GatewayError('CUSTOS_UPSTREAM_TIMEOUT', { detail: `server '${this.#name}'` });
    p.stream.fail(err, [p.id]);
    this.#pending.delete(key(p.id));
    if (p.progressToken !== undefined) this.#progress.delete(p.progressToken);
    try {
      this.#child.send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: p.id, reason: 'timeout' },
      });
    } catch {
      // exited meanwhile
    }
  }

  /** Ends every request of one POST with `err`, and tells the child they are cancelled. */
  #cancelGroup(group: AnswerGroup, err: GatewayError): void {
    const ids: JsonRpcId[] = [];
    for (const p of [...this.#pending.values()]) {
      if (p.group !== group) continue;
      if (p.timer) clearTimeout(p.timer);
      this.#pending.delete(key(p.id));
      if (p.progressToken !== undefined) this.#progress.delete(p.progressToken);
      ids.push(p.id);
      try {
        this.#child.send({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: p.id, reason: err.code },
        });
      } catch {
        // exited meanwhile
      }
    }
    group.open = 0;
    group.stream.fail(err, ids);
  }

  #cancelled(requestId: unknown): void {
    const p = this.#pending.get(key(requestId));
    if (!p) return;
    // MCP cancellation: the server need not answer a cancelled request, so the stream stops waiting.
    this.#settle(p);
  }

  #route(msg: JsonRpcMessage): void {
    if (msg.method === undefined) {
      const p = this.#pending.get(key(msg.id));
      if (!p) return; // an answer to nothing pending (cancelled, timed out)
      if (msg.error !== undefined) markRpcError(p.ex, msg.error.code);
      p.stream.send(msg, true);
      this.#settle(p);
      return;
    }
    const token = msg.params?.progressToken;
    if (msg.method === 'notifications/progress' && token !== undefined) {
      const p = this.#progress.get(key(token));
      if (p) {
        this.#arm(p);
        p.stream.send(msg);
      }
      // Progress for nothing pending (cancelled, timed out) belongs in no other call's answer.
      return;
    }
    // MCP 2025-11-25 streamable-http: messages on a POST stream SHOULD relate to its request.
    // Change notifications belong to the session: the GET stream. Logs and server→client requests
    // (sampling, elicitation, roots, ping) during a call come from that call: its stream.
    let target: AnswerStream | undefined;
    const sessionScoped = SESSION_SCOPED.has(msg.method);
    if (sessionScoped && this.#getStream && !this.#getStream.ended) target = this.#getStream;
    else {
      for (const p of this.#pending.values()) target = p.stream;
      if (target) {
        for (const p of this.#pending.values()) if (p.stream === target) this.#arm(p);
      }
      target ??= this.#getStream;
    }
    if (target && !target.ended) target.send(msg);
    else {
      this.#queued.push(msg);
      if (this.#queued.length > MAX_QUEUED) this.#queued.shift();
    }
  }

  #failAll(err: GatewayError): void {
    const byStream = new Map<AnswerStream, JsonRpcId[]>();
    for (const p of this.#pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      const ids = byStream.get(p.stream) ?? [];
      ids.push(p.id);
      byStream.set(p.stream, ids);
    }
    this.#pending.clear();
    this.#progress.clear();
    for (const [stream, ids] of byStream) stream.fail(err, ids);
  }

  #onExit(): void {
    this.#failAll(new GatewayError('CUSTOS_UPSTREAM_EXITED', { detail: `server '${this.#name}'` }));
    this.#getStream?.end();
    this.#closed = true;
    // A dead child is a dead session: the next request with its id gets 404 and re-initializes.
    this.#session.onClose = undefined;
    queueMicrotask(() => this.#onSessionDead());
  }

  #onSessionDead: () => void = () => {};

  set onDead(fn: () => void) {
    this.#onSessionDead = fn;
  }
}

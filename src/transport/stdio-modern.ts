import type { StdioUpstreamConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import { AnswerStream } from './answer-stream.ts';
import { markRpcError, writeHead } from './respond.ts';
import { type ProcessBudget, StdioChild } from './stdio-child.ts';

// A 2026-07-28 (stateless) stdio upstream: one shared child serves every caller, so the gateway
// rewrites JSON-RPC ids and progress tokens to its own and maps them back — one caller can never
// receive another's answer or progress. Closing an answer stream cancels the request (MCP
// 2026-07-28 streamable-http "Cancellation"); subscriptions/listen streams get change notifications.

interface Pending {
  readonly ex: Exchange;
  readonly originalId: string | number;
  readonly originalToken: unknown;
  readonly stream: AnswerStream;
  readonly listen: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class ModernStdioUpstream {
  readonly #name: string;
  readonly #cfg: Readonly<StdioUpstreamConfig>;
  readonly #budget: ProcessBudget;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #child: StdioChild | undefined;
  #nextId = 0;

  constructor(name: string, cfg: Readonly<StdioUpstreamConfig>, budget: ProcessBudget, timeoutMs: number) {
    this.#name = name;
    this.#cfg = cfg;
    this.#budget = budget;
    this.#timeoutMs = timeoutMs;
  }

  /** The shared child, spawned on first use with the credential of the exchange that needed it. */
  #ensureChild(credentialEnv: Readonly<Record<string, string>> | undefined): StdioChild {
    if (this.#child && !this.#child.exited) return this.#child;
    this.#child = new StdioChild(
      this.#cfg,
      this.#budget,
      { onMessage: (m) => this.#route(m), onExit: () => this.#onExit() },
      credentialEnv,
    );
    return this.#child;
  }

  forward(ex: Exchange): Promise<void> {
    const msg = ex.messages[0] as JsonRpcMessage;
    const child = this.#ensureChild(ex.upstreamEnv);
    if (msg.method === undefined || msg.id === undefined || msg.id === null) {
      // Notifications (none are defined over HTTP in this era, but forward what the client sends).
      child.send(msg);
      writeHead(ex, 202, {});
      ex.res.end();
      return Promise.resolve();
    }
    const id = ++this.#nextId;
    const meta = msg.params?._meta as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    const params = msg.params === undefined ? undefined : { ...msg.params };
    if (params && token !== undefined) params._meta = { ...meta, progressToken: `custos-${id}` };
    const stream = new AnswerStream(ex, { preferJson: true });
    const p: Pending = {
      ex,
      originalId: msg.id,
      originalToken: token,
      stream,
      listen: msg.method === 'subscriptions/listen',
      timer: undefined,
    };
    this.#pending.set(id, p);
    if (!p.listen) this.#arm(id, p);
    else {
      const handle = { end: () => p.stream.end() };
      ex.ctx.longLived.add(handle);
      stream.whenEnded(() => ex.ctx.longLived.delete(handle));
    }
    ex.cancel = (err) => {
      if (this.#pending.get(id) !== p) return;
      this.#drop(id, p);
      p.stream.fail(err, [p.originalId]);
      this.#cancelUpstream(id, err.code);
    };
    const rewritten: JsonRpcMessage = { ...msg, id };
    if (params) rewritten.params = params;
    child.send(rewritten);
    return new Promise<void>((resolve) => {
      ex.res.once('close', () => {
        if (this.#pending.get(id) === p) {
          this.#drop(id, p);
          this.#cancelUpstream(id, 'client closed the stream');
        }
        resolve();
      });
      stream.whenEnded(resolve);
    });
  }

  async close(): Promise<void> {
    const err = new GatewayError('CUSTOS_SHUTTING_DOWN');
    for (const [id, p] of this.#pending) {
      this.#drop(id, p);
      p.stream.fail(err, [p.originalId]);
    }
    await this.#child?.kill();
  }

  #arm(id: number, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.#drop(id, p);
      p.stream.fail(new GatewayError('CUSTOS_UPSTREAM_TIMEOUT', { detail: `server '${this.#name}'` }), [
        p.originalId,
      ]);
      this.#cancelUpstream(id, 'timeout');
    }, this.#timeoutMs);
    p.timer.unref();
  }

  #drop(id: number, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    this.#pending.delete(id);
  }

  #cancelUpstream(id: number, reason: string): void {
    try {
      this.#child?.send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason },
      });
    } catch {
      // the child is gone
    }
  }

  #route(msg: JsonRpcMessage): void {
    if (msg.method === undefined) {
      const id = typeof msg.id === 'number' ? msg.id : Number.NaN;
      const p = this.#pending.get(id);
      if (!p) return;
      this.#drop(id, p);
      if (msg.error !== undefined) markRpcError(p.ex, msg.error.code);
      p.stream.send({ ...msg, id: p.originalId }, true);
      p.stream.end();
      return;
    }
    const token = msg.params?.progressToken;
    if (typeof token === 'string' && token.startsWith('custos-')) {
      const id = Number(token.slice(7));
      const p = this.#pending.get(id);
      if (p) {
        if (!p.listen) this.#arm(id, p);
        p.stream.send({ ...msg, params: { ...msg.params, progressToken: p.originalToken } });
      }
      return;
    }
    // MCP 2026-07-28: servers send no requests of their own; change notifications go to listeners.
    if (msg.id !== undefined) return;
    for (const p of this.#pending.values()) if (p.listen) p.stream.send(msg);
  }

  #onExit(): void {
    const err = new GatewayError('CUSTOS_UPSTREAM_EXITED', { detail: `server '${this.#name}'` });
    for (const [id, p] of this.#pending) {
      this.#drop(id, p);
      p.stream.fail(err, [p.originalId]);
    }
    this.#child = undefined;
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import type { StdioUpstreamConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import { classifyMessage, type JsonRpcMessage } from '../core/jsonrpc.ts';

// One MCP server process over stdio (MCP basic/transports/stdio): newline-delimited JSON-RPC on
// stdin/stdout. Its stderr is drained and not logged: a server may print payloads there.

/** Processes across every stdio upstream, for limits.stdioProcesses. */
export class ProcessBudget {
  #live = 0;
  readonly #max: number;
  readonly #children = new Set<ChildProcess>();

  constructor(max: number) {
    this.#max = max;
    // A last resort so that no child outlives the gateway, whatever way it exits.
    process.once('exit', () => {
      for (const c of this.#children) c.kill('SIGKILL');
    });
  }

  get live(): number {
    return this.#live;
  }

  take(child: () => ChildProcess): ChildProcess {
    if (this.#live >= this.#max) throw new GatewayError('CUSTOS_STDIO_LIMIT', { retryAfter: 10 });
    const c = child();
    this.#live++;
    this.#children.add(c);
    c.once('exit', () => {
      this.#live--;
      this.#children.delete(c);
    });
    return c;
  }
}

const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface StdioChildEvents {
  onMessage(msg: JsonRpcMessage): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

export class StdioChild {
  readonly #proc: ChildProcess;
  #exited = false;
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;

  constructor(
    cfg: Readonly<StdioUpstreamConfig>,
    budget: ProcessBudget,
    events: StdioChildEvents,
    /** The upstream credential (credential step), added last so configuration cannot shadow it. */
    credentialEnv?: Readonly<Record<string, string>>,
  ) {
    // A minimal environment: the gateway's own (its secrets included) is not inherited.
    const env: Record<string, string> = Object.create(null);
    for (const k of ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_OPTIONS', 'SystemRoot']) {
      const v = process.env[k];
      if (v !== undefined && !(k === 'NODE_OPTIONS' && v.includes('--inspect'))) env[k] = v;
    }
    Object.assign(env, cfg.env, credentialEnv);
    this.#proc = budget.take(() =>
      spawn(cfg.command, cfg.args, {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(cfg.cwd !== undefined ? { cwd: cfg.cwd } : {}),
      }),
    );
    const proc = this.#proc;
    proc.stdout?.on('data', (chunk: Buffer) => this.#onData(chunk, events));
    proc.stderr?.resume();
    proc.stdin?.on('error', () => {
      // EPIPE after the child died; the exit handler reports it.
    });
    proc.once('error', () => {
      // Spawn failure (ENOENT …): reported through exit below.
      if (!this.#exited) {
        this.#exited = true;
        events.onExit(null, null);
      }
    });
    proc.once('exit', (code, signal) => {
      if (this.#exited) return;
      this.#exited = true;
      events.onExit(code, signal);
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Writes one message; `raw` (its exact bytes, without newlines) avoids re-serialising. */
  send(msg: JsonRpcMessage, raw?: Buffer): void {
    if (this.#exited) throw new GatewayError('CUSTOS_UPSTREAM_EXITED');
    const stdin = this.#proc.stdin;
    if (!stdin || stdin.destroyed) throw new GatewayError('CUSTOS_UPSTREAM_EXITED');
    if (raw !== undefined && raw.indexOf(10) === -1 && raw.indexOf(13) === -1) {
      stdin.write(raw);
      stdin.write('\n');
    } else {
      stdin.write(`${JSON.stringify(msg)}\n`);
    }
  }

  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
  kill(graceMs = 2000): Promise<void> {
    if (this.#exited) return Promise.resolve();
    const proc = this.#proc;
    return new Promise((resolve) => {
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      t.unref();
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.stdin?.end();
      proc.kill('SIGTERM');
    });
  }

  #onData(chunk: Buffer, events: StdioChildEvents): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl !== -1) {
      let line: Buffer;
      if (this.#bufferedBytes > 0) {
        this.#buffered.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.#buffered);
        this.#buffered = [];
        this.#bufferedBytes = 0;
      } else {
        line = chunk.subarray(start, nl);
      }
      this.#onLine(line, events);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#buffered.push(rest);
      this.#bufferedBytes += rest.length;
      if (this.#bufferedBytes > MAX_LINE_BYTES) {
        // A server that never ends its line would grow the gateway without bound.
        this.#buffered = [];
        this.#bufferedBytes = 0;
        this.#proc.kill('SIGKILL');
      }
    }
  }

  #onLine(line: Buffer, events: StdioChildEvents): void {
    if (line.length === 0 || (line.length === 1 && line[0] === 13)) return;
    let msg: unknown;
    try {
      msg = JSON.parse(line.toString('utf8'));
    } catch {
      return; // Not JSON-RPC (a stray print): the stdio spec says servers MUST NOT, so it is dropped.
    }
    if (classifyMessage(msg) === undefined) return;
    events.onMessage(msg as JsonRpcMessage);
  }
}

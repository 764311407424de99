import type { Worker } from 'node:worker_threads';
import { log } from '../core/log.ts';
import { startWorker } from '../core/worker.ts';
import type { ActionFacts } from './event.ts';
import type { RetentionRule } from './retention.ts';
import type { CapturedRecording, Submission } from './writer.ts';
import type { WriterSetup } from './writer-setup.ts';
import type { FromWriter, ToWriter } from './writer-thread.ts';

// The gateway's side of the audit writer. `submit` resolves once the event is committed (WAL,
// synchronous=FULL), which is when the client may see the answer. Submissions of one event-loop
// turn travel together; the writer adds whatever arrives during a commit to the next one.
//
// When a commit fails the sink turns unhealthy: the gateway refuses new requests (fail closed)
// and probes the store every second until a write goes through again.

export class AuditUnavailableError extends Error {
  override readonly name = 'AuditUnavailableError';
}

export interface AuditSink {
  /** Resolves when durable; rejects with AuditUnavailableError when the store cannot write. */
  submit(sub: Submission): Promise<void>;
  /** False from a failed commit until a probe write succeeds. */
  readonly healthy: boolean;
  /** Signs a checkpoint now if one is due (or `force`: whenever there is anything new). */
  checkpoint(force: boolean): Promise<void>;
  /** Deletes payloads past their retention (one transaction, recorded as an event). */
  retain(rules: RetentionRule[], action: Omit<ActionFacts, 'details'>): Promise<void>;
  /** Commits what is queued and stops the writer. */
  close(): Promise<void>;
}

const PROBE_MS = 1000;
const YOUNG_MB = 4;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Common batching, health and probing over a way to send a batch. */
export abstract class BaseSink implements AuditSink {
  #healthy = true;
  #queue: [number, Submission][] = [];
  #scheduled = false;
  #next = 1;
  #probe: NodeJS.Timeout | undefined;
  protected readonly waiters = new Map<number, Waiter>();
  protected closed = false;

  get healthy(): boolean {
    return this.#healthy;
  }

  submit(sub: Submission): Promise<void> {
    if (this.closed) return Promise.reject(new AuditUnavailableError('the audit writer is closed'));
    const token = this.#next++;
    const p = new Promise<void>((resolve, reject) => this.waiters.set(token, { resolve, reject }));
    this.#queue.push([token, sub]);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flushQueue());
    }
    return p;
  }

  protected flushQueue(): void {
    this.#scheduled = false;
    const items = this.#queue;
    this.#queue = [];
    if (items.length > 0) this.send({ t: 'batch', items });
  }

  checkpoint(force: boolean): Promise<void> {
    const token = this.#next++;
    const p = new Promise<void>((resolve, reject) => this.waiters.set(token, { resolve, reject }));
    this.send({ t: 'checkpoint', token, force });
    return p;
  }

  retain(rules: RetentionRule[], action: Omit<ActionFacts, 'details'>): Promise<void> {
    const token = this.#next++;
    const p = new Promise<void>((resolve, reject) => this.waiters.set(token, { resolve, reject }));
    this.send({ t: 'retain', token, rules, action });
    return p;
  }

  protected abstract send(m: ToWriter): void;

  abstract close(): Promise<void>;

  protected settle(m: FromWriter): void {
    if (m.t === 'done') {
      if (!this.#healthy) {
        this.#healthy = true;
        clearInterval(this.#probe);
        this.#probe = undefined;
        log('info', 'audit store writable again; accepting requests');
      }
      for (const t of m.tokens) this.#take(t)?.resolve();
    } else if (m.t === 'failed') {
      if (this.#healthy) {
        this.#healthy = false;
        log('error', 'audit store cannot write; refusing requests until it can', { error: m.error });
        this.#probe = setInterval(() => {
          const token = this.#next++;
          this.waiters.set(token, { resolve: () => {}, reject: () => {} });
          this.send({ t: 'probe', token });
        }, PROBE_MS);
        this.#probe.unref();
      }
      const err = new AuditUnavailableError(m.error);
      for (const t of m.tokens) this.#take(t)?.reject(err);
    }
  }

  #take(token: number): Waiter | undefined {
    const w = this.waiters.get(token);
    this.waiters.delete(token);
    return w;
  }

  protected stopProbing(): void {
    clearInterval(this.#probe);
  }
}

/** The writer on a thread of its own (a file store). */
class ThreadSink extends BaseSink {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  /** Why the writer thread is gone (it failed to start, or stopped); then nothing can be recorded. */
  #dead: string | undefined;

  constructor(worker: Worker) {
    super();
    this.#worker = worker;
    worker.unref();
    worker.on('message', (m: FromWriter) => {
      if (m.t === 'fatal') this.#die(`the audit writer did not start: ${m.error}`);
      else this.settle(m);
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', () => {
        this.#die('the audit writer stopped');
        resolve();
      });
    });
    worker.on('error', (err) => log('error', 'audit writer crashed', { error: String(err) }));
  }

  override get healthy(): boolean {
    return this.#dead === undefined && super.healthy;
  }

  override submit(sub: Submission): Promise<void> {
    if (this.#dead !== undefined) return Promise.reject(new AuditUnavailableError(this.#dead));
    return super.submit(sub);
  }

  #die(why: string): void {
    if (this.#dead !== undefined) return;
    this.#dead = why;
    if (!this.closed) log('error', 'audit writer unavailable: refusing requests', { error: why });
    const err = new AuditUnavailableError(why);
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }

  protected send(m: ToWriter): void {
    if (m.t !== 'batch') {
      this.#worker.postMessage(m);
      return;
    }
    // Recorded bytes travel by transfer, not by copy: a small Buffer is a view on an 8 KiB pool
    // slab, which a structured clone would copy whole. Each submission's bytes are packed into one
    // buffer of exactly their size, whose memory moves to the writer thread.
    const transfer: ArrayBuffer[] = [];
    for (const [, sub] of m.items) {
      const rec = sub.recording;
      if (rec) transfer.push(packBytes(rec));
    }
    this.#worker.postMessage(m, transfer);
  }

  async close(): Promise<void> {
    if (this.closed) return this.#exited;
    this.flushQueue();
    this.closed = true;
    this.stopProbing();
    // Unref'd while running; closing must hold the process open until the writer is done.
    this.#worker.ref();
    this.#worker.postMessage({ t: 'close' } satisfies ToWriter);
    return this.#exited;
  }
}

/**
 * Copies a recording's body and frames into one exact-size ArrayBuffer, replacing them by views on
 * it; returns it for the transfer list. The originals may still be queued on the socket.
 */
function packBytes(rec: CapturedRecording): ArrayBuffer {
  let size = rec.body?.byteLength ?? 0;
  for (const [, d] of rec.frames) size += typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength;
  const packed = new Uint8Array(new ArrayBuffer(size));
  let at = 0;
  const put = (d: Uint8Array | string): Uint8Array => {
    let n: number;
    if (typeof d === 'string') n = Buffer.from(packed.buffer, at, size - at).write(d, 'utf8');
    else {
      packed.set(d, at);
      n = d.byteLength;
    }
    const view = packed.subarray(at, at + n);
    at += n;
    return view;
  };
  if (rec.body) rec.body = put(rec.body);
  rec.frames = rec.frames.map(([t, d]) => [t, put(d)]);
  return packed.buffer;
}

/**
 * Starts the writer thread on the setup's file. It is not waited for: it opens the store (which
 * the gateway has just opened itself) and loads and compiles the masking engine on its own core
 * while the gateway finishes starting; submissions wait on its port until it listens. A writer
 * that cannot start makes the sink unhealthy: requests are refused, and the log says why.
 */
export function startThreadSink(setup: WriterSetup): AuditSink {
  // Its garbage is short-lived (one batch's masking): a small young generation keeps its memory small.
  const worker = startWorker(new URL('./writer-thread', import.meta.url), setup, {
    maxYoungGenerationSizeMb: YOUNG_MB,
  });
  return new ThreadSink(worker);
}

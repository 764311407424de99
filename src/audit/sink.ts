import type { Worker } from 'node:worker_threads';
import { log } from '../core/log.ts';
import { startWorker } from '../core/worker.ts';
import type { ActionFacts } from './event.ts';
import type { RetentionRule } from './retention.ts';
import type { Submission } from './writer.ts';
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

  constructor(worker: Worker) {
    super();
    this.#worker = worker;
    worker.unref();
    worker.on('message', (m: FromWriter) => this.settle(m));
    this.#exited = new Promise((resolve) => {
      worker.once('exit', () => {
        const err = new AuditUnavailableError('the audit writer stopped');
        for (const w of this.waiters.values()) w.reject(err);
        this.waiters.clear();
        resolve();
      });
    });
    worker.on('error', (err) => log('error', 'audit writer crashed', { error: String(err) }));
  }

  protected send(m: ToWriter): void {
    this.#worker.postMessage(m);
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

/** Starts the writer thread on the setup's file and waits until it is ready. */
export async function startThreadSink(setup: WriterSetup): Promise<AuditSink> {
  const worker = startWorker(new URL('./writer-thread', import.meta.url), setup);
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromWriter): void => {
      if (m.t === 'ready') done(resolve);
      else if (m.t === 'fatal') done(() => reject(new Error(`the audit writer did not start: ${m.error}`)));
    };
    const onExit = (): void => done(() => reject(new Error('the audit writer did not start')));
    const done = (f: () => void): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      f();
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
  return new ThreadSink(worker);
}

import { closeSync, fdatasync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { log } from '../core/log.ts';
import type { CompiledMasking } from '../masking/compile.ts';
import type { CheckpointRow } from '../store/index.ts';
import { exportCheckpoint } from './checkpoint-export.ts';
import type { ActionFacts } from './event.ts';
import type { RetentionRule } from './retention.ts';
import type { AuditWriter, Submission } from './writer.ts';
import type { WriterSetup } from './writer-setup.ts';

// The gateway's side of the audit trail. `submit` resolves once the event is durable, which is
// when the client may see the answer (issue 7).
//
// Group commit with the fsync off the event loop: the submissions of one event-loop turn are
// appended in one SQLite transaction on this thread (WAL, synchronous=NORMAL: a commit writes the
// WAL but does not sync it, ~tens of µs), then one fdatasync of the write-ahead log runs on libuv's
// thread pool. Every commit made while a sync runs waits for the next one, so one fsync covers
// all the events committed since the previous sync, at any load. An event resolves only after a
// sync that started after its commit: the same guarantee as synchronous=FULL, whose only
// difference is that it syncs the WAL inside each commit. (SQLite still syncs the WAL before each
// checkpoint, the database after it, and the WAL header when the log is reused.)
//
// When a commit or a sync fails the sink turns unhealthy: the gateway refuses new requests (fail
// closed) and probes the store every second until a write and its sync go through again.

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
  /** Commits what is queued, waits for its sync, and stops. */
  close(): Promise<void>;
}

const PROBE_MS = 1000;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Syncs the write-ahead log on libuv's thread pool, one fdatasync at a time, each covering every
 * commit made before it started. fdatasync flushes the file's data whichever descriptor wrote it.
 */
class WalSync {
  readonly #path: string;
  #fd: number | undefined;
  /** Tokens whose commit the running sync covers. */
  #running: Waiter[] | undefined;
  /** Tokens committed since it started: they wait for the next. */
  #next: Waiter[] = [];
  #idle: (() => void)[] = [];

  constructor(dbPath: string) {
    this.#path = `${dbPath}-wal`;
  }

  /** After a commit: `waiter` resolves once a sync started after now has completed. */
  after(waiter: Waiter): void {
    this.#next.push(waiter);
    if (!this.#running) this.#start();
  }

  #start(): void {
    const covered = this.#next;
    this.#next = [];
    this.#running = covered;
    const done = (err: NodeJS.ErrnoException | null): void => {
      this.#running = undefined;
      for (const w of covered)
        err
          ? w.reject(new AuditUnavailableError(`cannot sync the audit log: ${err.code ?? err.message}`))
          : w.resolve();
      if (this.#next.length > 0) this.#start();
      else for (const f of this.#idle.splice(0)) f();
    };
    try {
      // Opened on first use: SQLite creates the log with its first write.
      this.#fd ??= openSync(this.#path, 'r+');
    } catch (err) {
      queueMicrotask(() => done(err as NodeJS.ErrnoException));
      return;
    }
    fdatasync(this.#fd, done);
  }

  /** Resolves when no sync runs or waits. */
  settled(): Promise<void> {
    if (!this.#running && this.#next.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** The audit writer on this thread; durable through WalSync for a file, at commit for ':memory:'. */
export class InProcessSink implements AuditSink {
  #writer: AuditWriter | undefined;
  readonly #ready: Promise<AuditWriter>;
  readonly #setup: WriterSetup;
  readonly #sync: WalSync | undefined;
  readonly #timer: NodeJS.Timeout;
  #queue: [Submission, Waiter][] = [];
  #scheduled = false;
  #healthy = true;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;
  /** Gives back what the sink owns (its connection) once everything is synced. */
  readonly #onClose: (() => void) | undefined;

  /**
   * `ready`: the writer, built once its modules (the masking engine among them) have loaded, so
   * they load while the gateway starts listening; submissions wait for it meanwhile.
   */
  constructor(ready: Promise<AuditWriter>, setup: WriterSetup, durable: boolean, onClose?: () => void) {
    this.#onClose = onClose;
    this.#ready = ready.then(
      (w) => {
        this.#writer = w;
        // The recording profiles compile next, before the first recording needs them.
        setImmediate(() => w.warm());
        return w;
      },
      (err: unknown) => {
        log('error', 'the audit writer did not start: refusing requests', { error: String(err) });
        this.#healthy = false;
        throw err;
      },
    );
    this.#ready.catch(() => {});
    this.#setup = setup;
    this.#sync = durable ? new WalSync(setup.path) : undefined;
    // Time-based checkpoints and approval decisions made elsewhere (the admin API, another replica).
    this.#timer = setInterval(() => {
      const w = this.#writer;
      if (!w) return;
      try {
        w.mirror();
        this.#exported(w.checkpoint(false));
      } catch {
        // A failing store shows on the next batch or probe.
      }
    }, 1000);
    this.#timer.unref();
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  submit(sub: Submission): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditUnavailableError('the audit writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push([sub, { resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** The submissions of one event-loop turn: one transaction, then the shared sync. */
  #flush(): void {
    const writer = this.#writer;
    if (!writer) {
      this.#ready.then(
        () => this.#flush(),
        (err: unknown) => this.#failed(waitersOf(this.#take()), err),
      );
      return;
    }
    const items = this.#take();
    if (items.length === 0) return;
    const waiters = waitersOf(items);
    try {
      for (const cp of writer.write(items.map(([s]) => s))) this.#exported(cp);
    } catch (err) {
      this.#failed(waiters, err);
      return;
    }
    this.#durable(waiters);
  }

  #take(): [Submission, Waiter][] {
    this.#scheduled = false;
    const items = this.#queue;
    this.#queue = [];
    return items;
  }

  /** Resolves the waiters once what was just committed is on disk. */
  #durable(waiters: readonly Waiter[]): void {
    const sync = this.#sync;
    for (const w of waiters) {
      const ok = (): void => {
        this.#recovered();
        w.resolve();
      };
      const fail = (err: Error): void => this.#failed([w], err);
      if (sync) sync.after({ resolve: ok, reject: fail });
      else ok();
    }
  }

  /** One write outside the batches (a checkpoint, retention, a probe), durable like them. */
  async #run(op: (w: AuditWriter) => void): Promise<void> {
    const writer = await this.#ready;
    return new Promise<void>((resolve, reject) => {
      try {
        op(writer);
      } catch (err) {
        this.#failed([{ resolve, reject }], err);
        return;
      }
      this.#durable([{ resolve, reject }]);
    });
  }

  checkpoint(force: boolean): Promise<void> {
    return this.#run((w) => this.#exported(w.checkpoint(force)));
  }

  retain(rules: RetentionRule[], action: Omit<ActionFacts, 'details'>): Promise<void> {
    return this.#run((w) => w.retain(rules, action));
  }

  #exported(cp: CheckpointRow | undefined): void {
    if (cp) exportCheckpoint(cp, this.#setup);
  }

  #recovered(): void {
    if (this.#healthy) return;
    this.#healthy = true;
    clearInterval(this.#probe);
    this.#probe = undefined;
    log('info', 'audit store writable again; accepting requests');
  }

  #failed(waiters: readonly Waiter[], err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.#healthy) {
      this.#healthy = false;
      log('error', 'audit store cannot write; refusing requests until it can', { error: message });
      this.#probe = setInterval(() => {
        void this.#run((w) => w.probe()).catch(() => {});
      }, PROBE_MS);
      this.#probe.unref();
    }
    const e = err instanceof AuditUnavailableError ? err : new AuditUnavailableError(message);
    for (const w of waiters) w.reject(e);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#probe);
    clearInterval(this.#timer);
    const writer = await this.#ready.catch(() => undefined);
    if (writer) {
      this.#flush();
      try {
        writer.mirror();
      } catch {
        // What is not mirrored now is mirrored by the next writer: the position is in the store.
      }
    }
    await this.#sync?.settled();
    this.#sync?.close();
    this.#onClose?.();
  }
}

const waitersOf = (items: readonly [Submission, Waiter][]): Waiter[] => items.map(([, w]) => w);

/**
 * The sink for a store: `db` is the connection the writer appends on. For a file it is a
 * connection of its own (synchronous=NORMAL, the WAL synced by the sink), which the sink closes
 * when it closes; for ':memory:' the store's own. `masking`: the gateway's compiled profiles, when
 * it has them (the same key).
 */
export function startSink(setup: WriterSetup, db: Database.Database, masking?: CompiledMasking): AuditSink {
  const durable = setup.path !== ':memory:';
  if (durable) db.pragma('synchronous = NORMAL');
  const writer = import('./writer-setup.ts').then((m) => m.buildWriter(setup, db, masking));
  return new InProcessSink(writer, setup, durable, durable ? () => db.close() : undefined);
}

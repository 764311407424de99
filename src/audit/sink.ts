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
// Group commit: the submissions of one event-loop turn are appended in one SQLite transaction on
// this thread, and the commit syncs the write-ahead log itself (WAL, synchronous=FULL), so one
// fsync covers every event of the turn. While it runs, the answers of the next turn gather in
// the sockets: the busier the gateway, the more events a sync covers. Under load a sync on the event
// loop costs less CPU than handing it to libuv's thread pool (two thread wake-ups per commit), and
// a turn whose events are not durable has nothing to release anyway; what it costs is that the
// loop waits for the disk during the sync (docs/audit.md, figures).
//
// Commit delay (PostgreSQL's commit_delay and commit_siblings): when at least GROUP_SIBLINGS other
// exchanges have been forwarded and not yet submitted, their answers are moments away, so the
// commit waits for them — until every one of them is in, or GROUP_DELAY_MS at most. One sync then
// covers ~5 events instead of ~2.5 under 16 sessions of echo calls (docs/audit.md, "Commit
// delay"). A lone caller never waits: nothing else is expected. An exchange forwarded more than
// GROUP_HORIZON_MS ago no longer counts: a stream that stays open (subscriptions/listen) or a long
// tool call is not about to end, and must not hold every other caller's commit up.
//
// The fold of complete buckets (src/store/subject-fold.ts) is not part of the commits: the turn after
// a commit does the fold's steps due by then (paced over the next bucket's events) in a transaction
// of its own, without a sync, once the commit's answers are out. A fold that fails is logged and
// retried; appends go on.
//
// When a commit fails the sink turns unhealthy: the gateway refuses new requests (fail closed) and
// probes the store every second until a write and its sync go through again.

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
  /** Commits what is queued and stops. */
  close(): Promise<void>;
  /**
   * An exchange has been forwarded: its event will be submitted soon. The returned function says
   * it was (or never will be); calling it again does nothing.
   */
  expect(): () => void;
}

/** Others expected before a commit waits for them (PostgreSQL's commit_siblings is 5). */
export const GROUP_SIBLINGS = 3;
/** The longest a commit waits for them (Node's timers have millisecond resolution). */
export const GROUP_DELAY_MS = 1;
/** Expected exchanges forwarded longer ago than this are not waited for. */
export const GROUP_HORIZON_MS = 50;
/** A queue this long commits at once. */
export const GROUP_MAX = 64;

const PROBE_MS = 1000;
/** A failing fold is logged once in this long. */
const FOLD_WARN_MS = 60_000;

export interface GroupCommit {
  /** The longest a commit waits for expected events (0: never waits). */
  delayMs: number;
  /** Exchanges forwarded longer ago than this are no longer expected. */
  horizonMs: number;
}

interface Expectation {
  /** When the exchange was forwarded (performance.now()). */
  readonly at: number;
  /** Still counted in #expected. */
  live: boolean;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** The audit writer on this thread; an event is durable when its transaction has committed. */
export class InProcessSink implements AuditSink {
  #writer: AuditWriter | undefined;
  readonly #ready: Promise<AuditWriter>;
  readonly #setup: WriterSetup;
  readonly #timer: NodeJS.Timeout;
  #queue: [Submission, Waiter][] = [];
  #scheduled = false;
  /** Exchanges forwarded within the horizon whose events are not submitted yet. */
  #expected = 0;
  /** Their expectations in forward order (so oldest first), from #head on; some already done. */
  #expecting: Expectation[] = [];
  #head = 0;
  /** The commit waiting for them, if it is. */
  #delay: NodeJS.Timeout | undefined;
  /** How long a commit may wait for expected events (0: each turn commits at once), and for which. */
  readonly #group: GroupCommit;
  #healthy = true;
  #foldScheduled = false;
  #foldWarnedAt = Number.NEGATIVE_INFINITY;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;
  /** Gives back what the sink owns (its connection) once everything is synced. */
  readonly #onClose: (() => void) | undefined;

  /**
   * `ready`: the writer, built once its modules (the masking engine among them) have loaded, so
   * they load while the gateway starts listening; submissions wait for it meanwhile.
   */
  constructor(
    ready: Promise<AuditWriter>,
    setup: WriterSetup,
    onClose?: () => void,
    group: GroupCommit = { delayMs: GROUP_DELAY_MS, horizonMs: GROUP_HORIZON_MS },
  ) {
    this.#onClose = onClose;
    this.#group = group;
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

  /** Exchanges forwarded whose events have not been submitted (what a commit may wait for). */
  get expecting(): number {
    return this.#expected;
  }

  submit(sub: Submission): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditUnavailableError('the audit writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push([sub, { resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#turnEnded);
      } else if (this.#delay !== undefined && this.#queue.length >= GROUP_MAX) {
        this.#commitNow();
      }
    });
  }

  expect(): () => void {
    const e: Expectation = { at: performance.now(), live: true };
    this.#expecting.push(e);
    this.#expected++;
    return () => {
      if (!e.live) return;
      e.live = false;
      this.#expected--;
      // Everything the commit waited for is in (or will never come): no reason to wait longer.
      if (this.#expected === 0 && this.#delay !== undefined) this.#commitNow();
    };
  }

  /** The end of the turn that queued the first submission: commit, or wait for the others. */
  readonly #turnEnded = (): void => {
    this.#forgetOld(performance.now());
    if (
      this.#group.delayMs > 0 &&
      this.#expected >= GROUP_SIBLINGS &&
      this.#queue.length < GROUP_MAX &&
      !this.#closed &&
      this.#writer
    ) {
      this.#delay = setTimeout(this.#delayEnded, this.#group.delayMs);
      return;
    }
    this.#flush();
  };

  /** Stops expecting what was forwarded more than the horizon ago; drops what is done. */
  #forgetOld(now: number): void {
    const q = this.#expecting;
    let h = this.#head;
    for (; h < q.length; h++) {
      const e = q[h] as Expectation;
      if (e.live) {
        if (now - e.at < this.#group.horizonMs) break;
        e.live = false;
        this.#expected--;
      }
    }
    if (h === q.length) {
      q.length = 0;
      h = 0;
    } else if (h >= 1024 && h * 2 >= q.length) {
      // Younger ones wait behind one still live at the head; compact now and then.
      this.#expecting = q.slice(h);
      h = 0;
    }
    this.#head = h;
  }

  readonly #delayEnded = (): void => {
    this.#delay = undefined;
    this.#flush();
  };

  /** Ends a commit delay: the commit runs at the end of this turn, with what has come. */
  #commitNow(): void {
    clearTimeout(this.#delay);
    this.#delay = undefined;
    setImmediate(() => this.#flush());
  }

  /** The submissions of one event-loop turn: one transaction, synced as it commits. */
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
    if (this.#foldDue(writer)) this.#foldSoon();
  }

  /**
   * Whether the fold has steps due, asked of the writer's memory: most commits have none, and a
   * turn of the event loop scheduled for nothing costs each of them a poll of the sockets and the
   * immediates' round. A store that cannot say is folded, and its error logged, like any fold's.
   */
  #foldDue(writer: AuditWriter): boolean {
    try {
      return writer.foldDue();
    } catch {
      return true;
    }
  }

  /**
   * Folds complete buckets of the trail (src/store/subject-fold.ts) in a turn of its own after a
   * commit: the commit's answers are out by then, and the sockets' input is read between two such
   * turns. Paced: what is due by now, spread over the next bucket's events (a step every few
   * events); turn after turn, a few milliseconds each, while behind.
   */
  #foldSoon(): void {
    if (this.#foldScheduled || this.#closed) return;
    this.#foldScheduled = true;
    setImmediate(this.#foldNow);
  }

  readonly #foldNow = (): void => {
    this.#foldScheduled = false;
    const writer = this.#writer;
    if (!writer || this.#closed) return;
    let due: boolean;
    try {
      due = writer.fold();
    } catch (err) {
      // Nothing is lost: the sets stay searchable, and the next commit tries again. Said once a
      // minute at most, since every commit would say it again.
      const now = performance.now();
      if (now - this.#foldWarnedAt >= FOLD_WARN_MS) {
        this.#foldWarnedAt = now;
        log(
          'warn',
          'the audit fold failed; searches read the unfolded events, and the fold retries after each commit',
          {
            error: err instanceof Error ? err.message : String(err),
          },
        );
      }
      return;
    }
    if (due) this.#foldSoon();
  };

  #take(): [Submission, Waiter][] {
    this.#scheduled = false;
    clearTimeout(this.#delay);
    this.#delay = undefined;
    const items = this.#queue;
    this.#queue = [];
    return items;
  }

  /** Resolves the waiters of a committed (so durable) transaction. */
  #durable(waiters: readonly Waiter[]): void {
    this.#recovered();
    for (const w of waiters) w.resolve();
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
    this.#onClose?.();
  }
}

const waitersOf = (items: readonly [Submission, Waiter][]): Waiter[] => items.map(([, w]) => w);

/**
 * The sink for a store: `db` is the connection the writer appends on. For a file it is a
 * connection of its own (synchronous=FULL), which the sink closes when it closes; for ':memory:'
 * the store's own. `masking`: the gateway's compiled profiles, when it has them (the same key).
 */
export function startSink(setup: WriterSetup, db: Database.Database, masking?: CompiledMasking): AuditSink {
  const durable = setup.path !== ':memory:';
  // The store opens every connection so; said here too, since durability rests on it.
  if (durable) db.pragma('synchronous = FULL');
  // The sink folds after each commit, once the answers are out (`#foldSoon`), not inside it.
  const writer = import('./writer-setup.ts').then((m) =>
    m.buildWriter({ ...setup, foldApart: true }, db, masking),
  );
  return new InProcessSink(writer, setup, durable ? () => db.close() : undefined);
}

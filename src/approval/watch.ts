import { log } from '../core/log.ts';
import type { ApprovalStore } from '../store/index.ts';

// Held calls wait for their request to change. A decision made in this process wakes them at
// once (wake); one made by another process sharing the store (the CLI against another replica, a
// second gateway) is seen by polling the append-only approval_events log, like revocations are
// (src/identity/revocation.ts). The poll runs only while something waits.

export interface Waiting {
  /** Resolves when the request may have changed, or at the deadline given. */
  readonly changed: Promise<void>;
  /** Stops waiting (resolves `changed`). */
  cancel(): void;
}

export interface DecisionWatch {
  /** Starts waiting; read the request *after* this, so no change between the two is missed. */
  next(approvalId: string, until: number): Waiting;
  /** A change made in this process: waiters look again now. */
  wake(approvalId: string): void;
  close(): void;
}

/** Events after which a held call looks at its request again. */
const MOVES: ReadonlySet<string> = new Set(['granted', 'denied', 'expired', 'withdrawn', 'used']);
const PAGE = 500;

export function createDecisionWatch(
  store: Pick<ApprovalStore, 'approvalEventsSince' | 'lastApprovalEventSeq'>,
  pollMs = 200,
): DecisionWatch {
  const waiting = new Map<string, Set<() => void>>();
  let timer: NodeJS.Timeout | undefined;
  let lastSeq = 0;

  const wake = (id: string): void => {
    const set = waiting.get(id);
    if (set) for (const fire of [...set]) fire();
  };

  const poll = (): void => {
    try {
      for (let page = 0; page < 100; page++) {
        const events = store.approvalEventsSince(lastSeq, PAGE);
        for (const e of events) {
          lastSeq = e.seq;
          if (MOVES.has(e.kind)) wake(e.approvalId);
        }
        if (events.length < PAGE) break;
      }
    } catch (err) {
      // A busy or briefly unavailable database: keep waiting and look again next tick.
      log('warn', 'approval poll failed', { error: String(err) });
    }
  };

  const start = (): void => {
    if (timer !== undefined) return;
    // Events before now concern no one waiting yet: a waiter reads its request after this.
    lastSeq = store.lastApprovalEventSeq();
    timer = setInterval(poll, pollMs);
    timer.unref();
  };

  const stopIfIdle = (): void => {
    if (waiting.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    next(id, until) {
      start();
      let resolve: () => void = () => {};
      const changed = new Promise<void>((r) => {
        resolve = r;
      });
      let set = waiting.get(id);
      if (!set) {
        set = new Set();
        waiting.set(id, set);
      }
      const entry = set;
      const deadline = setTimeout(() => fire(), Math.max(0, until - Date.now()));
      const fire = (): void => {
        clearTimeout(deadline);
        entry.delete(fire);
        if (entry.size === 0 && waiting.get(id) === entry) waiting.delete(id);
        stopIfIdle();
        resolve();
      };
      entry.add(fire);
      return { changed, cancel: fire };
    },
    wake,
    close() {
      for (const set of [...waiting.values()]) for (const fire of [...set]) fire();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

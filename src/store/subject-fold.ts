import type Database from 'better-sqlite3';
import { foldSets, SUBJECT_BUCKET, SUBJECT_KEY_BYTES } from './subject-sets.ts';

// Folding a bucket a step at a time (docs/audit.md, "Data subjects"). Every SUBJECT_BUCKET events
// the writer folds the bucket's subject sets into postings and its events into audit_search. Done
// at once inside one append, that stalled the gateway for ~150–300 ms every 256 large answers (and
// ~1.8 s for answers with subjects of their own): the commit waited for it, and so did every answer
// in flight. Now it is done a few steps at a time, each call going on from where the last stopped:
// by the gateway's sink in a turn of its own after a commit, paced over the next bucket's events
// (`foldPaced`), and by the CLI's writers inside their appends, within a time budget (`fold`):
//
//   1. read the bucket's sets, LOAD_ROWS at a time (kept in memory, not in the store);
//   2. fold the keys of one slice of the key space at a time (KEY_SLICES of them, by a key's first
//      byte; each set is sorted, so a slice of it is one run) and insert their postings;
//   3. delete the sets, DROP_ROWS at a time (secure_delete overwrites them), then copy the bucket's
//      events into audit_search and mark the bucket folded.
//
// A step ends after the first of these units that does some work: one that finds nothing (no sets
// in the rows it reads, no key in its slice, nothing to delete) goes straight on to the next, so a
// bucket of answers without subjects is one transaction, not 80 (at 2,000 echo calls a second,
// those 80 took ~7 % of the gateway's busy time in a CPU profile; one takes 2–3 %).
//
// Steps 2 and 3 are recorded in audit_meta ('fold_step') in the transaction that does them, so a
// restart goes on where the last commit left off and never inserts a posting twice. Meanwhile a
// search finds the bucket's events through the postings done and the sets still there (an event
// found through both counts once). An erasure between two steps removes its subjects from both and
// counts what it removed once (`postingDone`); the loaded sets are then stale (the erasure count
// says so) and are read again.
//
// A writer that falls behind (answers whose subjects are all different cost ~1.5 s of inserts a
// bucket) folds for longer per call, in proportion to the buckets it owes, and past MAX_LAG_BUCKETS
// it folds whole buckets at once again, so the unfolded tail (scanned by every search) stays short.

/** Slices of the key space, by a key's first byte. */
export const KEY_SLICES = 64;
const BYTES_PER_SLICE = 256 / KEY_SLICES;
/** Set rows read per loading step (~1.7 MB for a bucket of large answers). */
const LOAD_ROWS = 32;
/** Set rows deleted per step. */
const DROP_ROWS = 32;
const DROP_STEPS = SUBJECT_BUCKET / DROP_ROWS;
/** Persisted steps of a bucket: the slices, then the drops (the last drop ends the bucket). */
const STEPS = KEY_SLICES + DROP_STEPS;
const LOAD_STEPS = SUBJECT_BUCKET / LOAD_ROWS;
/** Every step of a bucket, loading included: what a paced fold spreads over the next bucket's events. */
const ALL_STEPS = LOAD_STEPS + STEPS;
/** An append's time for folding, per complete bucket not yet folded. */
export const FOLD_STEP_MS = 2;
/** Complete buckets left unfolded beyond which the writer folds whole buckets at once. */
export const MAX_LAG_BUCKETS = 4;

/** One event's subject set, as stored. */
export type SetRow = { seq: number; keys: Buffer };

/** What the folder reads through the store's own statements. */
export interface FoldSource {
  /** The erasure count: it changes when an erasure rewrites sets. */
  erasures(): number;
  /** The subject sets of events [from, to), by seq. */
  sets(from: number, to: number): SetRow[];
}

/** The fold of one store's buckets; its progress is in the store. */
export interface Folder {
  /**
   * Folds the complete buckets of a store of `size` events, step by step, for about
   * `budgetMs` × the buckets owed (at least one step). Inside the append transaction. Returns
   * whether every complete bucket is folded.
   */
  fold(size: number, budgetMs: number): boolean;
  /**
   * Paced: while one bucket is owed, only the steps due by now, spread evenly over the next
   * bucket's events (none, or one, most of the time), within the budget; more buckets owed, as
   * `fold`. Returns whether steps are still due (the caller comes back soon).
   */
  foldPaced(size: number, budgetMs: number): boolean;
  /** Whether `foldPaced` has anything to do: read from memory, from the store only when a bucket seems owed. */
  due(size: number): boolean;
  /** Buckets folded, and the persisted step of the next (0: not started). */
  progress(): { folded: number; step: number };
  /** Buckets folded: the unfolded tail starts at this × SUBJECT_BUCKET. */
  folded(): number;
  /** Forgets the sets read and the progress known: the transaction they were read in rolled back. */
  reset(): void;
}

export function createFolder(db: Database.Database, source: FoldSource): Folder {
  const foldedStmt = db.prepare("SELECT value FROM audit_meta WHERE name = 'folded'").pluck();
  const setFoldedStmt = db.prepare("UPDATE audit_meta SET value = ? WHERE name = 'folded'");
  const stepStmt = db.prepare("SELECT value FROM audit_meta WHERE name = 'fold_step'").pluck();
  const setStepStmt = db.prepare(
    `INSERT INTO audit_meta (name, value) VALUES ('fold_step', ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  );
  const deleteSetsStmt = db.prepare('DELETE FROM audit_subject_sets WHERE seq >= ? AND seq < ?');
  // A bucket is folded once; should a set of it be written late all the same, its offsets join.
  const insertPostingStmt = db.prepare(
    `INSERT INTO audit_subject_postings (subject, bucket, offsets) VALUES (?, ?, ?)
     ON CONFLICT (subject, bucket) DO UPDATE SET offsets = offsets || excluded.offsets`,
  );
  const foldSearchStmt = db.prepare(
    `INSERT OR REPLACE INTO audit_search (seq, id, at, server, caller, name, session_id)
     SELECT seq, id, at, server, caller, name, session_id FROM audit_events WHERE seq >= ? AND seq < ?`,
  );

  const folded = (): number => (foldedStmt.get() as number | undefined) ?? 0;
  const persistedStep = (): number => (stepStmt.get() as number | undefined) ?? 0;

  /**
   * The sets of the bucket being folded as read so far (bucket -1: none), and the next event to
   * read from; stale once an erasure has run.
   */
  const unloaded = () => ({ bucket: -1, erasures: -1, rows: [] as SetRow[], next: 0 });
  let loaded = unloaded();

  /** Folded buckets and the step of the next, as last read or written (undefined: read them). */
  let known: { folded: number; step: number } | undefined;
  const read = (): { folded: number; step: number } => {
    known = { folded: folded(), step: persistedStep() };
    return known;
  };

  /** The steps of `bucket` done, loading included (as far as this connection knows). */
  const stepsDone = (bucket: number, step: number): number =>
    step > 0
      ? LOAD_STEPS + step
      : loaded.bucket === bucket
        ? (loaded.next - bucket * SUBJECT_BUCKET) / LOAD_ROWS
        : 0;
  /** Paced: the steps of the oldest bucket owed that are due once `size` events are in. */
  const stepsDue = (size: number, complete: number, bucket: number): number =>
    complete - bucket > 1
      ? Number.POSITIVE_INFINITY
      : Math.ceil((ALL_STEPS * ((size % SUBJECT_BUCKET) + 1)) / SUBJECT_BUCKET);

  /**
   * One step of `bucket` at persisted step `step`: units until one does some work or the bucket
   * ends (see the header). Returns the next persisted step (STEPS: done).
   */
  function oneStep(bucket: number, step: number): number {
    // Read once: inside this transaction no erasure can run.
    const erasures = step < KEY_SLICES ? source.erasures() : -1;
    let at = step;
    for (;;) {
      const next = unit(bucket, at, erasures);
      at = next.step;
      if (next.did || at === STEPS) return at;
    }
  }

  /** One unit of a step: what it did, and the persisted step after it. */
  function unit(bucket: number, step: number, erasures: number): { step: number; did: boolean } {
    const from = bucket * SUBJECT_BUCKET;
    const end = from + SUBJECT_BUCKET;
    if (step < KEY_SLICES) {
      if (loaded.bucket !== bucket || loaded.erasures !== erasures)
        loaded = { bucket, erasures, rows: [], next: from };
      if (loaded.next < end) {
        const to = Math.min(loaded.next + LOAD_ROWS, end);
        const before = loaded.rows.length;
        for (const row of source.sets(loaded.next, to)) loaded.rows.push(row);
        loaded.next = to;
        return { step, did: loaded.rows.length > before };
      }
      const lo = step * BYTES_PER_SLICE;
      const slice: SetRow[] = [];
      for (const row of loaded.rows) {
        const a = firstWithByteAtLeast(row.keys, lo);
        const b = firstWithByteAtLeast(row.keys, lo + BYTES_PER_SLICE);
        if (b > a)
          slice.push({ seq: row.seq, keys: row.keys.subarray(a * SUBJECT_KEY_BYTES, b * SUBJECT_KEY_BYTES) });
      }
      for (const p of foldSets(bucket, slice)) insertPostingStmt.run(p.subject, bucket, p.offsets);
      return { step: step + 1, did: slice.length > 0 };
    }
    const drop = step - KEY_SLICES;
    const did = deleteSetsStmt.run(from + drop * DROP_ROWS, from + (drop + 1) * DROP_ROWS).changes > 0;
    if (drop + 1 < DROP_STEPS) return { step: step + 1, did };
    foldSearchStmt.run(from, end);
    setFoldedStmt.run(bucket + 1);
    loaded = unloaded();
    return { step: STEPS, did: true };
  }

  /** Steps from the persisted progress on; paced, only those due. Returns the progress reached. */
  function run(size: number, budgetMs: number, paced: boolean): { folded: number; step: number } {
    const complete = Math.floor(size / SUBJECT_BUCKET);
    let { folded: bucket, step } = read();
    if (bucket >= complete) return { folded: bucket, step };
    const start = performance.now();
    const budget = budgetMs * (complete - bucket);
    for (let first = true; bucket < complete; first = false) {
      if (paced && stepsDone(bucket, step) >= stepsDue(size, complete, bucket)) break;
      if (!first && complete - bucket <= MAX_LAG_BUCKETS && performance.now() - start >= budget) break;
      step = oneStep(bucket, step);
      if (step === STEPS) {
        bucket++;
        step = 0;
      }
    }
    setStepStmt.run(step);
    known = { folded: bucket, step };
    return known;
  }

  /** Whether a paced fold has steps due at `size`, by what is known. */
  const dueAt = (size: number, at: { folded: number; step: number }): boolean => {
    const complete = Math.floor(size / SUBJECT_BUCKET);
    return at.folded < complete && stepsDone(at.folded, at.step) < stepsDue(size, complete, at.folded);
  };

  return {
    fold: (size, budgetMs) => run(size, budgetMs, false).folded >= Math.floor(size / SUBJECT_BUCKET),
    foldPaced: (size, budgetMs) => dueAt(size, run(size, budgetMs, true)),
    due: (size) => dueAt(size, known ?? read()),
    progress: read,
    folded,
    reset() {
      loaded = unloaded();
      known = undefined;
    },
  };
}

/**
 * Whether a subject's postings in `bucket` are already inserted (its sets may still hold it), at
 * the fold's progress `at` (read once by the caller: it cannot change inside its transaction).
 */
export function postingDone(at: { folded: number; step: number }, bucket: number, subject: Buffer): boolean {
  if (bucket !== at.folded) return bucket < at.folded;
  return at.step >= KEY_SLICES || Math.floor((subject[0] as number) / BYTES_PER_SLICE) < at.step;
}

/** The index of the first key of a sorted set whose first byte is `byte` or more (binary search). */
function firstWithByteAtLeast(keys: Buffer, byte: number): number {
  let lo = 0;
  let hi = Math.floor(keys.length / SUBJECT_KEY_BYTES);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid * SUBJECT_KEY_BYTES] as number) < byte) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

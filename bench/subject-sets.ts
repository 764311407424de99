import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexSlices } from '../src/masking/hex-slices.ts';
import { type AuditSql, createAuditSql } from '../src/store/audit-sql.ts';
import { openConnection } from '../src/store/sqlite.ts';
import { FOLD_STEP_MS } from '../src/store/subject-fold.ts';
import { foldSets, subjectSet } from '../src/store/subject-sets.ts';
import { insertBareEvent } from '../test/helpers/audit.ts';

// The blind index's CPU per event for a large answer (src/store/subject-sets.ts), in process:
// building the subject set of one `npm run bench` customer answer (~2,060 keyed hashes, in hex as
// the masking engine hands them out), and folding a bucket of 256 such events into postings: every
// event the same 1,650 subjects plus 50 of its own (the bench's repeated customer list), and every
// event 1,700 subjects of its own (~435,000 postings). The fold is measured as the store consumes
// it, posting by posting, without the SQL inserts. Then the same buckets through a SQLite file (the
// store's own statements, secure_delete and all), folded in one append as before stop 19 and a
// step at a time as the writer does now (src/store/subject-fold.ts): CPU per bucket, and the longest
// append (a fold call and its commit). Last, the fold as the gateway's sink runs it: an event a
// commit, and the paced fold after each commit that has steps due, in a transaction of its own, for
// answers without subjects (small tool results) and for the shared list. A benchmark, not a test.
//   node --import tsx bench/subject-sets.ts

const KEYS = 2064;
const hexKeys = (n: number): string[] => {
  const out: string[] = [];
  hexSlices(Buffer.from(randomBytes(n * 32).toString('hex'), 'latin1'), n, out, 0);
  return out;
};

function perCall(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.max(3, iterations / 4); i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

const answers = Array.from({ length: 50 }, () => hexKeys(KEYS));
let a = 0;
const setUs = perCall(() => subjectSet(answers[a++ % answers.length] as string[]), 2000);

const common = hexKeys(1650);
const bucket = 7;
const sets = Array.from({ length: 256 }, (_, i) => ({
  seq: bucket * 256 + i,
  keys: (subjectSet([...common, ...hexKeys(50)]) as { keys: Buffer }).keys,
}));
const fold = (bucketSets: { seq: number; keys: Buffer }[]): number => {
  let postings = 0;
  for (const p of foldSets(bucket, bucketSets)) postings += p.offsets.length > 0 ? 1 : 0;
  return postings;
};
const foldUs = perCall(() => fold(sets), 10);
const distinct = Array.from({ length: 256 }, (_, i) => ({
  seq: bucket * 256 + i,
  keys: (subjectSet(hexKeys(1700)) as { keys: Buffer }).keys,
}));
const distinctUs = perCall(() => fold(distinct), 4);

/** Buckets each store-backed measure appends; the first two warm up. */
const BUCKETS = 6;

/** Runs `measure` on a fresh store in a temporary directory, removed afterwards. */
function inFreshStore<T>(measure: (sql: AuditSql, db: ReturnType<typeof openConnection>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'custos-fold-bench-'));
  const db = openConnection(join(dir, 'trail.db'));
  try {
    return measure(createAuditSql(db), db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Appends BUCKETS buckets of `sets()` to a fresh store, folding after each with `budgetMs` per
 * append until it is folded; the first two buckets warm up. CPU ms per bucket and the longest append.
 */
function foldThroughStore(
  sets: () => Buffer[],
  budgetMs: number,
): { cpuMs: number; worstMs: number; appends: number } {
  return inFreshStore((sql, db) => {
    let seq = 0;
    let cpu = 0;
    let worst = 0;
    let appends = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const bucketSets = sets();
      sql.appending(() => {
        for (const keys of bucketSets) insertBareEvent(sql, seq++, keys);
      });
      // The sets' own pages leave the write-ahead log first: a commit that crosses the checkpoint
      // threshold copies the log into the database, and that is the insert's cost, not the fold's.
      db.pragma('wal_checkpoint(PASSIVE)');
      const start = process.cpuUsage();
      for (let done = false; !done; ) {
        const t0 = performance.now();
        done = sql.appending(() => sql.fold(seq, budgetMs));
        if (b >= 2) {
          worst = Math.max(worst, performance.now() - t0);
          appends++;
        }
      }
      const used = process.cpuUsage(start);
      if (b >= 2) cpu += (used.user + used.system) / 1000;
    }
    return { cpuMs: cpu / (BUCKETS - 2), worstMs: worst, appends: appends / (BUCKETS - 2) };
  });
}

const sharedSets = () =>
  Array.from({ length: 256 }, () => (subjectSet([...common, ...hexKeys(50)]) as { keys: Buffer }).keys);
const distinctSets = () =>
  Array.from({ length: 256 }, () => (subjectSet(hexKeys(1700)) as { keys: Buffer }).keys);

/**
 * As the gateway's sink does: an event a commit, and after each commit the paced fold in a
 * transaction of its own when steps are due. CPU of those folds per bucket, and how many there were.
 */
function pacedThroughStore(sets: () => (Buffer | null)[]): { cpuMs: number; folds: number } {
  return inFreshStore((sql) => {
    let seq = 0;
    let cpu = 0;
    let folds = 0;
    for (let b = 0; b < BUCKETS; b++) {
      for (const keys of sets()) {
        sql.appending(() => insertBareEvent(sql, seq++, keys));
        if (!sql.foldDue(seq)) continue;
        const start = process.cpuUsage();
        sql.foldUnsynced(seq, FOLD_STEP_MS);
        const used = process.cpuUsage(start);
        if (b >= 2) {
          cpu += (used.user + used.system) / 1000;
          folds++;
        }
      }
    }
    return { cpuMs: cpu / (BUCKETS - 2), folds: folds / (BUCKETS - 2) };
  });
}

const paced = [
  ['no subjects           ', pacedThroughStore(() => Array.from({ length: 256 }, () => null))],
  ['1,650 shared          ', pacedThroughStore(sharedSets)],
] as const;

const stored = [
  ['1,650 shared, at once ', foldThroughStore(sharedSets, Number.POSITIVE_INFINITY)],
  ['1,650 shared, in steps', foldThroughStore(sharedSets, FOLD_STEP_MS)],
  ['none shared, at once  ', foldThroughStore(distinctSets, Number.POSITIVE_INFINITY)],
  ['none shared, in steps ', foldThroughStore(distinctSets, FOLD_STEP_MS)],
] as const;

process.stdout.write(
  `Node ${process.version}\n` +
    `subject set of one answer (${KEYS} keys):                  ${setUs.toFixed(0)} µs\n` +
    `fold of a bucket (256 events × 1,700 keys, 1,650 shared): ${(foldUs / 1000).toFixed(1)} ms (${(foldUs / 256).toFixed(0)} µs per event)\n` +
    `fold of a bucket (256 events × 1,700 keys, none shared):  ${(distinctUs / 1000).toFixed(1)} ms (${(distinctUs / 256).toFixed(0)} µs per event)\n` +
    `through a SQLite file, per bucket (CPU, appends that folded, the longest):\n` +
    stored
      .map(
        ([what, r]) =>
          `  ${what}: ${r.cpuMs.toFixed(0).padStart(5)} ms CPU, ${r.appends.toFixed(0).padStart(3)} appends, longest ${r.worstMs.toFixed(1)} ms\n`,
      )
      .join('') +
    `paced after each commit, as the gateway folds (CPU of the folds per bucket, how many):\n` +
    paced
      .map(
        ([what, r]) =>
          `  ${what}: ${r.cpuMs.toFixed(1).padStart(5)} ms CPU, ${r.folds.toFixed(0).padStart(3)} folds\n`,
      )
      .join(''),
);

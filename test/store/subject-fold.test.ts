import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { type AuditSql, createAuditSql, prepareDatabase } from '../../src/store/index.ts';
import { KEY_SLICES, MAX_LAG_BUCKETS } from '../../src/store/subject-fold.ts';
import { SUBJECT_BUCKET, subjectSet } from '../../src/store/subject-sets.ts';
import { insertBareEvent } from '../helpers/audit.ts';

// Folding a bucket a step at a time (src/store/subject-fold.ts), on a real SQLite file: with a
// budget of 0 every fold call takes exactly one step, so each test walks the steps one by one and
// looks between them. The model is a plain map of subject → events.

const hexKey = (label: string): string => createHash('sha256').update(label).digest('hex');
const keyOf = (label: string): Buffer => Buffer.from(hexKey(label), 'hex');

/** A store whose events carry subject sets: subject `s<i>` in every event whose seq is a multiple of `i`, and `own<seq>`. */
function store(t: TestContext): { db: Database.Database; sql: AuditSql; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'custos-fold-'));
  const path = join(dir, 'trail.db');
  const db = new Database(path);
  prepareDatabase(db);
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, sql: createAuditSql(db), path };
}

const SHARED = 40;
const labelsOf = (seq: number): string[] => [
  ...Array.from({ length: SHARED }, (_, i) => i + 1)
    .filter((i) => seq % i === 0)
    .map((i) => `s${i}`),
  `own${seq}`,
];

/** Appends events [from, to) with their sets, as the writer does (no chain: the fold does not read it). */
function append(sql: AuditSql, from: number, to: number, labels = labelsOf): void {
  sql.appending(() => insert(sql, from, to, labels));
}

/** The same inside a transaction of the caller's. */
function insert(sql: AuditSql, from: number, to: number, labels: (seq: number) => string[]): void {
  // Every seventh event has no subjects at all.
  for (let seq = from; seq < to; seq++)
    insertBareEvent(sql, seq, seq % 7 === 3 ? null : (subjectSet(labels(seq).map(hexKey))?.keys ?? null));
}

/** The events the model says touched `label`, among [0, size). */
const modelSeqs = (label: string, size: number): number[] =>
  Array.from({ length: size }, (_, seq) => seq).filter(
    (seq) => seq % 7 !== 3 && labelsOf(seq).includes(label),
  );

/** Every posting row: subject hex → bucket → offsets. */
function postings(db: Database.Database): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of db.prepare('SELECT subject, bucket, offsets FROM audit_subject_postings').all() as {
    subject: Buffer;
    bucket: number;
    offsets: Buffer;
  }[])
    out.set(`${r.subject.toString('hex')}/${r.bucket}`, [...r.offsets]);
  return out;
}

const step = (sql: AuditSql, size: number): boolean => sql.appending(() => sql.fold(size, 0));

/** Steps until `done` says so (and fails, rather than hangs, if it never does). */
function stepUntil(sql: AuditSql, size: number, done: (finished: boolean) => boolean): void {
  let finished = false;
  for (let steps = 0; !done(finished); steps++) {
    assert.ok(steps < 1000, `no end after ${steps} steps`);
    finished = step(sql, size);
  }
}

test('a bucket folded step by step gives the postings of a fold at once, and search is right between steps', (t) => {
  const stepwise = store(t);
  const atOnce = store(t);
  const size = 2 * SUBJECT_BUCKET + 40;
  append(stepwise.sql, 0, size);
  append(atOnce.sql, 0, size);
  assert.equal(
    atOnce.sql.appending(() => atOnce.sql.fold(size, Number.POSITIVE_INFINITY)),
    true,
  );
  assert.deepEqual(atOnce.sql.foldProgress(), { folded: 2, step: 0 });

  const probes = ['s1', 's2', 's5', 's37', 'own3', 'own300', 'own530', 'nobody'];
  let steps = 0;
  for (;;) {
    for (const label of probes)
      assert.deepEqual(
        stepwise.sql.subjectSeqs([keyOf(label)]),
        modelSeqs(label, size),
        `${label}, step ${steps}`,
      );
    assert.deepEqual(
      stepwise.sql.search({ caller: 'demo:u-1', limit: 1000 }).map((r) => r.seq),
      Array.from({ length: size }, (_, i) => i),
    );
    if (step(stepwise.sql, size)) break;
    steps++;
    assert.ok(steps < 1000, 'the fold ends');
  }
  assert.ok(steps > 2 * KEY_SLICES, `two buckets took ${steps} steps, not one each`);
  assert.deepEqual(stepwise.sql.foldProgress(), { folded: 2, step: 0 });
  assert.deepEqual(postings(stepwise.db), postings(atOnce.db));
  const left = (db: Database.Database) =>
    db.prepare('SELECT seq FROM audit_subject_sets ORDER BY seq').pluck().all() as number[];
  assert.deepEqual(left(stepwise.db), left(atOnce.db));
  assert.equal(left(stepwise.db)[0], 2 * SUBJECT_BUCKET, "the folded buckets' sets are gone");
});

test('an erasure between two steps leaves nothing of its subjects, counts each event once, and the fold goes on', (t) => {
  const { db, sql } = store(t);
  const size = SUBJECT_BUCKET;
  append(sql, 0, size);
  // Past the loading steps and half the slices.
  stepUntil(sql, size, () => sql.foldProgress().step >= KEY_SLICES / 2);
  const erased = ['s3', 's4', 'own12'].map(keyOf);
  const sliceOf = (k: Buffer) => Math.floor((k[0] as number) / (256 / KEY_SLICES));
  const at = sql.foldProgress().step;
  assert.ok(
    erased.some((k) => sliceOf(k) < at) && erased.some((k) => sliceOf(k) >= at),
    'one subject folded already, one not',
  );
  const events = new Set(['s3', 's4', 'own12'].flatMap((l) => modelSeqs(l, size)));
  let touched = 0;
  for (const l of ['s3', 's4', 'own12']) touched += modelSeqs(l, size).length;
  const removed = sql.appending(() => {
    const n = sql.deleteSubjectIndex(erased);
    sql.bumpErasures();
    return n;
  });
  assert.equal(removed, touched, 'each (subject, event) counted once');
  assert.ok(events.size > 0);
  stepUntil(sql, size, (finished) => finished);
  assert.deepEqual(sql.subjectSeqs(erased), []);
  const left = postings(db);
  for (const k of erased) assert.equal(left.has(`${k.toString('hex')}/0`), false);
  for (const label of ['s1', 's5', 's6', 'own13'])
    assert.deepEqual(sql.subjectSeqs([keyOf(label)]), modelSeqs(label, size), label);
});

test('a restart in the middle of a fold goes on where the last commit left off: no posting twice', (t) => {
  const { db, sql, path } = store(t);
  const size = SUBJECT_BUCKET;
  append(sql, 0, size);
  stepUntil(sql, size, () => sql.foldProgress().step >= KEY_SLICES + 2);
  // Another connection, as after a restart: nothing of the first one's memory.
  const again = new Database(path);
  t.after(() => again.close());
  const sql2 = createAuditSql(again);
  stepUntil(sql2, size, (finished) => finished);
  for (const label of ['s1', 's2', 's39', 'own0', 'own255'])
    assert.deepEqual(sql2.subjectSeqs([keyOf(label)]), modelSeqs(label, size), label);
  const s1 = postings(db).get(`${keyOf('s1').toString('hex')}/0`);
  assert.deepEqual(s1, modelSeqs('s1', size), 'offsets once each');
});

test('a writer that owes more than MAX_LAG_BUCKETS buckets folds whole buckets until it does not', (t) => {
  const { sql } = store(t);
  const buckets = MAX_LAG_BUCKETS + 3;
  const size = buckets * SUBJECT_BUCKET;
  append(sql, 0, size);
  step(sql, size);
  assert.equal(sql.foldProgress().folded, buckets - MAX_LAG_BUCKETS);
  // From there on, a step at a time.
  const before = sql.foldProgress();
  step(sql, size);
  assert.equal(sql.foldProgress().folded, before.folded);
});

test('sets read in a transaction that rolls back are read again: the fold never uses what was not committed', (t) => {
  const { sql } = store(t);
  const size = SUBJECT_BUCKET;
  const phantom = (seq: number) => [`phantom${seq % 5}`];
  // The bucket's events and the fold's loading steps in one transaction, which then fails.
  assert.throws(() =>
    sql.appending(() => {
      insert(sql, 0, size, phantom);
      for (let i = 0; i < 20; i++) sql.fold(size, 0);
      throw new Error('the commit failed');
    }),
  );
  append(sql, 0, size);
  stepUntil(sql, size, (finished) => finished);
  assert.deepEqual(sql.subjectSeqs([keyOf('phantom1')]), []);
  for (const label of ['s1', 's3', 'own77'])
    assert.deepEqual(sql.subjectSeqs([keyOf(label)]), modelSeqs(label, size), label);
});

test("the gateway's paced fold does only the steps due, spread over the next bucket's events", (t) => {
  const { sql } = store(t);
  append(sql, 0, SUBJECT_BUCKET);
  assert.equal(sql.foldDue(SUBJECT_BUCKET - 1), false, 'nothing complete, nothing due');
  assert.equal(sql.foldDue(SUBJECT_BUCKET), true);
  // One event into the next bucket: one step (a load) is due, and then nothing more.
  assert.equal(sql.foldUnsynced(SUBJECT_BUCKET, Number.POSITIVE_INFINITY), false);
  assert.equal(sql.foldDue(SUBJECT_BUCKET), false);
  assert.deepEqual(sql.foldProgress(), { folded: 0, step: 0 });
  // Half the next bucket in: about half the bucket's steps.
  append(sql, SUBJECT_BUCKET, SUBJECT_BUCKET + 128);
  sql.foldUnsynced(SUBJECT_BUCKET + 128, Number.POSITIVE_INFINITY);
  const half = sql.foldProgress();
  assert.equal(half.folded, 0);
  assert.ok(half.step > KEY_SLICES / 4 && half.step < KEY_SLICES, `step ${half.step}`);
  // The last event before the next bucket completes: everything is due.
  append(sql, SUBJECT_BUCKET + 128, 2 * SUBJECT_BUCKET - 1);
  assert.equal(sql.foldUnsynced(2 * SUBJECT_BUCKET - 1, Number.POSITIVE_INFINITY), false);
  assert.deepEqual(sql.foldProgress(), { folded: 1, step: 0 });
  for (const label of ['s1', 's7', 'own200'])
    assert.deepEqual(sql.subjectSeqs([keyOf(label)]), modelSeqs(label, 2 * SUBJECT_BUCKET - 1), label);
});

test('the paced fold catches up within its budget when two buckets are owed, and says it is not done', (t) => {
  const { sql } = store(t);
  const size = 2 * SUBJECT_BUCKET + 10;
  append(sql, 0, size);
  // A budget of 0: one step a call, and steps are still due after it.
  assert.equal(sql.foldUnsynced(size, 0), true);
  let calls = 1;
  while (sql.foldUnsynced(size, 0)) {
    calls++;
    assert.ok(calls < 1000, 'the catch-up ends');
  }
  assert.equal(sql.foldProgress().folded, 1, 'the first bucket caught up; the second is paced');
  assert.ok(calls > KEY_SLICES, `${calls} calls of one step each`);
});

test('units that find nothing do not end a step: a bucket without subjects folds in one, a sparse one in a few', (t) => {
  const none = store(t);
  append(none.sql, 0, SUBJECT_BUCKET, () => []);
  assert.equal(step(none.sql, SUBJECT_BUCKET), true, 'folded in one step');
  assert.deepEqual(none.sql.foldProgress(), { folded: 1, step: 0 });
  assert.equal(none.sql.search({ caller: 'demo:u-1', limit: 1000 }).length, SUBJECT_BUCKET);

  // One subject in one event: a load that finds its set, the slice that holds its key, the drop
  // that deletes the set, and the rest (empty) with the last drop.
  const sparse = store(t);
  append(sparse.sql, 0, SUBJECT_BUCKET, (seq) => (seq === 40 ? ['s1'] : []));
  let steps = 0;
  stepUntil(sparse.sql, SUBJECT_BUCKET, (finished) => {
    if (!finished) steps++;
    return finished;
  });
  assert.equal(steps, 4);
  assert.deepEqual(sparse.sql.subjectSeqs([keyOf('s1')]), [40]);
  assert.deepEqual([...postings(sparse.db).keys()], [`${keyOf('s1').toString('hex')}/0`]);
  assert.equal(sparse.db.prepare('SELECT count(*) FROM audit_subject_sets').pluck().get(), 0);
});

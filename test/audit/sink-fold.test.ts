import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessSink, startSink } from '../../src/audit/sink.ts';
import type { AuditWriter, Submission } from '../../src/audit/writer.ts';
import type { WriterSetup } from '../../src/audit/writer-setup.ts';
import { openConnection } from '../../src/store/index.ts';
import { SUBJECT_BUCKET } from '../../src/store/subject-sets.ts';
import { exchangeFacts, openTestTrail, toolRecording } from '../helpers/audit.ts';

// The gateway's sink folds apart from its commits (src/audit/sink.ts, #foldSoon): its appends do
// not fold, and the turns after a commit do, in transactions of their own that leave the
// connection syncing every commit as before.

test('the sink folds complete buckets after its commits, paced over the next bucket, and still syncs every commit', async (t) => {
  const trail = openTestTrail();
  t.after(() => trail.close());
  const db = openConnection(trail.path);
  const sink = startSink({ ...trail.setup, foldStepMs: 2 }, db);
  let next = 0;
  /**
   * Submits `n` events, 16 a turn as 16 sessions would, each group awaited. Each names a person
   * of its own (a bucket of events without subjects is folded in one step, paced or not).
   */
  const submit = async (n: number) => {
    for (const end = next + n; next < end; ) {
      const group = [];
      for (let i = 0; i < 16 && next < end; i++, next++)
        group.push(
          sink.submit({
            facts: exchangeFacts({ id: `ev-${next}` }),
            recording: toolRecording({ n: next }, `mail person${next}@example.com`),
          }),
        );
      await Promise.all(group);
      await new Promise((r) => setImmediate(r));
    }
  };
  await submit(SUBJECT_BUCKET + 16);
  // Paced: 16 events into the next bucket, a few steps are due, not the whole bucket.
  assert.deepEqual(trail.sql.foldProgress(), { folded: 0, step: 0 }, 'still loading its sets');
  await submit(SUBJECT_BUCKET + 28);
  let folded = 0;
  for (let waited = 0; waited < 5000 && folded === 0; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
    folded = trail.sql.foldProgress().folded;
  }
  assert.equal(folded, 1, 'the first bucket is folded by the time the second is complete');
  assert.equal(trail.sql.count(), next);
  assert.ok(
    (trail.raw().prepare('SELECT count(*) FROM audit_search').pluck().get() as number) >= SUBJECT_BUCKET,
  );
  assert.deepEqual(
    trail.sql.eventsById('ev-3').map((e) => e.seq),
    [3],
  );
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL again after the fold');
  await sink.close();
});

/**
 * A sink over a writer that stores nothing and folds as told, and one commit of it followed by the
 * turn after it (where the sink folds).
 */
function stubSink(writerFold: Pick<AuditWriter, 'foldDue' | 'fold'>): {
  sink: InProcessSink;
  commitAndTurn: () => Promise<void>;
} {
  const writer = {
    write: () => [],
    warm() {},
    mirror() {},
    checkpoint: () => undefined,
    foldDue: () => writerFold.foldDue(),
    fold: () => writerFold.fold(),
  } as unknown as AuditWriter;
  const sink = new InProcessSink(Promise.resolve(writer), {} as WriterSetup);
  const sub = { facts: exchangeFacts() } as Submission;
  const commitAndTurn = async () => {
    await sink.submit(sub);
    await new Promise((r) => setImmediate(r));
  };
  return { sink, commitAndTurn };
}

test('a fold that fails leaves commits and health alone, and is tried again after the next commit', async (t) => {
  let folds = 0;
  const { sink, commitAndTurn } = stubSink({
    foldDue: () => true,
    fold(): boolean {
      folds++;
      throw new Error('the fold broke');
    },
  });
  t.after(() => sink.close());
  await commitAndTurn();
  assert.equal(folds, 1);
  await commitAndTurn();
  assert.equal(folds, 2, 'tried again after the next commit');
  assert.equal(sink.healthy, true);
});

test('a commit with no fold step due spends no turn on the fold; one whose store cannot say still folds', async (t) => {
  let folds = 0;
  let due: () => boolean = () => false;
  const { sink, commitAndTurn } = stubSink({
    foldDue: () => due(),
    fold(): boolean {
      folds++;
      return false;
    },
  });
  t.after(() => sink.close());
  await commitAndTurn();
  await commitAndTurn();
  assert.equal(folds, 0, 'nothing due: no fold');
  due = () => true;
  await commitAndTurn();
  assert.equal(folds, 1, 'due: folded in the turn after the commit');
  due = () => {
    throw new Error('the store broke');
  };
  await commitAndTurn();
  assert.equal(folds, 2, 'cannot say: folded, so the fold reports the error');
  assert.equal(sink.healthy, true);
});

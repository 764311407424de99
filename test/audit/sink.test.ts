import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP_MAX, GROUP_SIBLINGS, type GroupCommit, InProcessSink } from '../../src/audit/sink.ts';
import type { AuditWriter, Submission } from '../../src/audit/writer.ts';
import type { WriterSetup } from '../../src/audit/writer-setup.ts';

// The sink's group commit: which submissions share a transaction. The writer is a stand-in that
// records its batches; the sink, its queue, its turns and its commit delay are the real ones.

// A delay (and a horizon) no test waits out: a commit that waits shows as a batch that has not
// come. A commit that goes at once is in after two turns; each test looks then, rather than
// awaiting a commit that, were it wrongly held, would only come after this delay.
const FOREVER_MS = 600_000;

/** A submission told apart by its id. */
const sub = (id: string): Submission => ({ facts: { kind: 'probe', id } }) as unknown as Submission;
const idsOf = (batch: readonly Submission[]): string[] => batch.map((s) => (s.facts as { id: string }).id);

function sinkWith(delayMs: number, horizonMs = FOREVER_MS): { sink: InProcessSink; batches: string[][] } {
  const batches: string[][] = [];
  const writer = {
    write(batch: readonly Submission[]) {
      batches.push(idsOf(batch));
      return [];
    },
    warm() {},
    mirror() {},
    foldDue() {
      return true;
    },
    fold() {
      return true;
    },
    checkpoint() {
      return undefined;
    },
  } as unknown as AuditWriter;
  const group: GroupCommit = { delayMs, horizonMs };
  const sink = new InProcessSink(Promise.resolve(writer), {} as WriterSetup, undefined, group);
  return { sink, batches };
}

/** Lets `n` turns of the event loop go by. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((done) => setImmediate(done));
}

test('a submission with nothing else expected commits at the end of its turn', async (t) => {
  const { sink, batches } = sinkWith(FOREVER_MS);
  t.after(() => sink.close());
  await turns(1); // the writer is ready
  const doneA = sink.expect();
  doneA();
  const twoOthers = Array.from({ length: GROUP_SIBLINGS - 1 }, () => sink.expect());
  const a = sink.submit(sub('a'));
  await turns(2);
  assert.deepEqual(batches, [['a']], 'fewer others than GROUP_SIBLINGS: no wait');
  await a;
  for (const done of twoOthers) done();
  const b = sink.submit(sub('b'));
  await turns(2);
  assert.deepEqual(batches, [['a'], ['b']]);
  await b;
});

test('a commit waits for the exchanges expected, and goes as soon as the last is in', async (t) => {
  const { sink, batches } = sinkWith(FOREVER_MS);
  t.after(() => sink.close());
  await turns(1);
  const dones = Array.from({ length: GROUP_SIBLINGS }, () => sink.expect());
  const committed = [sink.submit(sub('x'))];
  await turns(3);
  assert.deepEqual(batches, [], 'waiting for the others');
  const [d1, d2, d3] = dones as [() => void, () => void, () => void];
  d1();
  committed.push(sink.submit(sub('s1')));
  await turns(2);
  d2();
  committed.push(sink.submit(sub('s2')));
  await turns(2);
  assert.deepEqual(batches, [], 'one is still expected');
  // The last ends without an event (its client went away before forward answered, say).
  d3();
  await turns(2);
  assert.deepEqual(batches, [['x', 's1', 's2']], 'one transaction, one sync');
  await Promise.all(committed);
});

test('saying an exchange is in twice counts once', async (t) => {
  const { sink, batches } = sinkWith(FOREVER_MS);
  t.after(() => sink.close());
  await turns(1);
  const dones = Array.from({ length: GROUP_SIBLINGS + 1 }, () => sink.expect());
  const first = dones[0] as () => void;
  first();
  first();
  const x = sink.submit(sub('x'));
  await turns(3);
  assert.deepEqual(batches, [], `still ${GROUP_SIBLINGS} expected: the commit waits`);
  for (const done of dones) done();
  await turns(2);
  assert.deepEqual(batches, [['x']]);
  await x;
});

test('the wait is bounded: what has come commits when the delay ends', async (t) => {
  const { sink, batches } = sinkWith(5);
  t.after(() => sink.close());
  await turns(1);
  const dones = Array.from({ length: GROUP_SIBLINGS }, () => sink.expect());
  await sink.submit(sub('x'));
  assert.deepEqual(batches, [['x']]);
  // Their events come later, in a commit of their own; the late dones change nothing.
  for (const done of dones) done();
  await sink.submit(sub('y'));
  assert.deepEqual(batches, [['x'], ['y']]);
});

test('a full queue commits without waiting; close commits what waits', async (t) => {
  const { sink, batches } = sinkWith(FOREVER_MS);
  t.after(() => sink.close());
  await turns(1);
  const dones = Array.from({ length: GROUP_SIBLINGS }, () => sink.expect());
  const full = Array.from({ length: GROUP_MAX }, (_, i) => sink.submit(sub(`f${i}`)));
  await turns(2);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]?.length, GROUP_MAX);

  const last = sink.submit(sub('last'));
  await turns(3);
  assert.equal(batches.length, 1, 'waiting for the expected');
  await sink.close();
  await last;
  assert.deepEqual(batches[1], ['last']);
  await Promise.all(full);
  for (const done of dones) done();
});

test('with no commit delay every turn commits at once', async (t) => {
  const { sink, batches } = sinkWith(0);
  t.after(() => sink.close());
  await turns(1);
  const dones = Array.from({ length: GROUP_SIBLINGS * 2 }, () => sink.expect());
  const a = sink.submit(sub('a'));
  await turns(2);
  const b = sink.submit(sub('b'));
  await turns(2);
  assert.deepEqual(batches, [['a'], ['b']]);
  await Promise.all([a, b]);
  for (const done of dones) done();
});

test('an exchange forwarded longer ago than the horizon is no longer waited for', async (t) => {
  // A horizon long enough that no stall of a loaded machine ages the young ones below past it.
  const { sink, batches } = sinkWith(FOREVER_MS, 250);
  t.after(() => sink.close());
  await turns(1);
  const old = Array.from({ length: GROUP_SIBLINGS }, () => sink.expect());
  await new Promise((done) => setTimeout(done, 300)); // past the horizon
  const x = sink.submit(sub('x'));
  await turns(2);
  assert.deepEqual(batches, [['x']], 'three open streams do not hold the commit');
  assert.equal(sink.expecting, 0);
  await x;
  for (const done of old) done(); // their events come at last: counted once, not below zero
  assert.equal(sink.expecting, 0);

  const fresh = Array.from({ length: GROUP_SIBLINGS }, () => sink.expect());
  const y = sink.submit(sub('y'));
  await turns(3);
  assert.deepEqual(batches, [['x']], 'young ones are still waited for');
  for (const done of fresh) done();
  await turns(2);
  assert.deepEqual(batches, [['x'], ['y']]);
  await y;
});

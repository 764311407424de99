import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openCheckpoint } from '../../src/audit/checkpoint.ts';
import { rootOf } from '../../src/audit/merkle.ts';
import { decodeRecording, timelineOf } from '../../src/audit/recording.ts';
import { subjectKeysFor } from '../../src/audit/subjects.ts';
import { openRaw, replay } from '../../src/audit/trail.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { buildWriter } from '../../src/audit/writer-setup.ts';
import { compileProfile } from '../../src/masking/compile.ts';
import { profileSchema } from '../../src/masking/config.ts';
import { exchangeFacts, openTestTrail, type TestTrail, toolRecording } from '../helpers/audit.ts';

// The audit writer against a real SQLite file: events chained and in the tree, checkpoints
// signed, recordings masked, subjects indexed, raw copies sealed, erasure shredding them.

const trails: TestTrail[] = [];
after(() => {
  for (const t of trails) t.close();
});
function trail(opts?: Parameters<typeof openTestTrail>[0]): TestTrail {
  const t = openTestTrail(opts);
  trails.push(t);
  return t;
}

const EMAIL = 'jane.roe@example.com';
const IBAN = 'DE89370400440532013000';

/** The erasure event's facts for `writer.erase`. */
function erasureAction(id: string, reason: string) {
  return {
    kind: 'erasure' as const,
    id,
    at: Date.now(),
    actor: 'local:test',
    server: null,
    target: null,
    action: 'erase',
    reason,
  };
}

function profileOf(t: TestTrail) {
  return compileProfile(profileSchema.parse({}), { hmacKey: Buffer.from(t.setup.hmacKey) });
}

test('events are chained, in the Merkle tree, and signed every N events; verify passes', () => {
  const t = trail({ checkpointEvery: 5 });
  for (let i = 0; i < 12; i++) t.writer.write([{ facts: exchangeFacts() }]);
  assert.equal(t.sql.count(), 12);
  const cps = t.sql.checkpoints();
  assert.deepEqual(
    cps.map((c) => c.size),
    [5, 10],
  );
  const leaves = t.sql.leafHashes(0, 12);
  for (const cp of cps) {
    assert.deepEqual(cp.rootHash, rootOf(leaves.slice(0, cp.size)));
    const { checkpoint } = openCheckpoint(cp.note, t.verifiers, { origin: t.setup.origin });
    assert.equal(checkpoint.size, cp.size);
  }
  const report = verifyTrail(t.sql, { verifiers: t.verifiers, origin: t.setup.origin });
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.events, 12);
  assert.equal(report.checkpoints, 2);
});

test('a batch is one transaction: the chain continues across batches and across writers', () => {
  const t = trail();
  t.writer.write([{ facts: exchangeFacts() }, { facts: exchangeFacts() }, { facts: exchangeFacts() }]);
  // Another process appends in between (a CLI beside the gateway): the writer picks up its tip.
  const other = buildWriter(t.setup, t.raw());
  other.write([{ facts: exchangeFacts() }]);
  t.writer.write([{ facts: exchangeFacts() }]);
  assert.equal(t.sql.count(), 5);
  assert.deepEqual(
    t.sql.search({ limit: 10 }).map((r) => r.seq),
    [0, 1, 2, 3, 4],
  );
  assert.equal(verifyTrail(t.sql, { verifiers: t.verifiers }).ok, true);
});

test('two writers on one connection take turns: each sees what the other appended', () => {
  // One connection's own commits leave its data version as it was: the writers must still notice.
  const t = trail();
  const other = buildWriter(t.setup, t.db);
  for (let i = 0; i < 3; i++) {
    t.writer.write([{ facts: exchangeFacts() }, { facts: exchangeFacts() }]);
    other.write([{ facts: exchangeFacts() }]);
  }
  assert.deepEqual(
    t.sql.search({ limit: 20 }).map((r) => r.seq),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(verifyTrail(t.sql, { verifiers: t.verifiers }).ok, true);
});

test('a checkpoint signed by another writer counts: the next one is due from it, not from the one before', () => {
  const t = trail({ checkpointEvery: 10 });
  for (let i = 0; i < 5; i++) t.writer.write([{ facts: exchangeFacts() }]);
  assert.deepEqual(t.sql.checkpoints(), []);
  // The CLI beside the gateway signs one at 5 (`custos audit checkpoint`), on a connection of its own.
  const cli = buildWriter(t.setup, t.raw());
  assert.equal(cli.checkpoint(true)?.size, 5);
  // 11 events: due 10 after the checkpoint at 5 (at 15), not 10 after none.
  for (let i = 0; i < 6; i++) t.writer.write([{ facts: exchangeFacts() }]);
  assert.deepEqual(
    t.sql.checkpoints().map((c) => c.size),
    [5],
  );
  for (let i = 0; i < 4; i++) t.writer.write([{ facts: exchangeFacts() }]);
  assert.deepEqual(
    t.sql.checkpoints().map((c) => c.size),
    [5, 15],
  );
  assert.equal(verifyTrail(t.sql, { verifiers: t.verifiers }).ok, true);
});

test('a transaction that rolls back leaves nothing cached: the next append starts from the store', () => {
  const t = trail();
  t.writer.write([{ facts: exchangeFacts() }]);
  // A failing insert (the event's id column is NOT NULL) rolls the batch back after one event went in.
  assert.throws(() =>
    t.writer.write([{ facts: exchangeFacts() }, { facts: exchangeFacts({ id: null as unknown as string }) }]),
  );
  assert.equal(t.sql.count(), 1);
  t.writer.write([{ facts: exchangeFacts() }]);
  assert.deepEqual(
    t.sql.search({ limit: 10 }).map((r) => r.seq),
    [0, 1],
  );
  assert.equal(verifyTrail(t.sql, { verifiers: t.verifiers }).ok, true);
});

test('the recording is masked — request arguments and an answer that went out unmasked — and the body holds no payload', () => {
  const t = trail();
  t.writer.write([
    {
      facts: exchangeFacts(),
      recording: toolRecording({ email: EMAIL }, `Customer ${EMAIL}, account ${IBAN}`),
    },
  ]);
  const row = t.sql.event(0);
  assert.ok(row);
  assert.doesNotMatch(row.body, /jane\.roe|DE89/);
  const body = JSON.parse(row.body) as {
    recording: { masked: { sha256: string }; subjects: number; types: Record<string, number> };
  };
  assert.equal(body.recording.subjects, 2);
  assert.equal(body.recording.types.EMAIL, 2);
  assert.equal(body.recording.types.IBAN, 1);
  const masked = t.sql.payload(0)?.masked;
  assert.ok(masked);
  const text = masked.toString('utf8');
  assert.doesNotMatch(text, /jane\.roe@example\.com/);
  assert.doesNotMatch(text, /370400440532013000/);
  const timeline = timelineOf(decodeRecording(masked));
  assert.deepEqual(
    timeline.map((e) => e.direction),
    ['request', 'response'],
  );
  assert.equal(timeline[0]?.message?.method, 'tools/call');
  assert.equal(timeline[1]?.t, 800);
});

test('the blind index finds every exchange that touched a subject, without holding the identifier', () => {
  const t = trail();
  t.writer.write([{ facts: exchangeFacts(), recording: toolRecording({ q: 'x' }, `mail ${EMAIL}`) }]);
  t.writer.write([{ facts: exchangeFacts(), recording: toolRecording({ q: 'y' }, 'nobody here') }]);
  t.writer.write([
    { facts: exchangeFacts(), recording: toolRecording({ email: EMAIL.toUpperCase() }, 'ok') },
  ]);
  const keys = subjectKeysFor(EMAIL, profileOf(t));
  assert.deepEqual(keys.types, ['EMAIL']);
  assert.deepEqual(t.sql.subjectSeqs(keys.keys), [0, 2]);
  const hits = t.sql.search({ subjects: keys.keys, limit: 10 }).map((r) => r.seq);
  assert.deepEqual(hits, [0, 2]);
  const dump = [
    t.raw().prepare('SELECT * FROM audit_subject_sets').all(),
    t.raw().prepare('SELECT * FROM audit_subject_postings').all(),
  ];
  assert.doesNotMatch(JSON.stringify(dump), /jane/i);
});

test('the blind index folds every 256 events: search and erasure find folded and recent events alike', () => {
  const t = trail();
  const other = 'max.mustermann@example.org';
  const withEmail = new Set([3, 255, 256, 400, 520, 599]);
  for (let start = 0; start < 600; start += 50) {
    const batch = [];
    for (let seq = start; seq < start + 50; seq++) {
      const text = withEmail.has(seq) ? `mail ${EMAIL}` : seq % 7 === 0 ? `mail ${other}` : 'nobody';
      batch.push({ facts: exchangeFacts(), recording: toolRecording({ q: seq }, text) });
    }
    t.writer.write(batch);
  }
  // Buckets 0 and 1 (events 0–511) are folded into postings; the sets of 512–599 remain.
  const setSeqs = t
    .raw()
    .prepare('SELECT seq FROM audit_subject_sets ORDER BY seq')
    .pluck()
    .all() as number[];
  assert.ok(setSeqs.length > 0 && (setSeqs[0] as number) >= 512, String(setSeqs[0]));
  const keys = subjectKeysFor(EMAIL, profileOf(t)).keys;
  const otherKeys = subjectKeysFor(other, profileOf(t)).keys;
  assert.deepEqual(t.sql.subjectSeqs(keys), [...withEmail]);
  const otherSeqs = Array.from({ length: 600 }, (_, i) => i).filter((i) => !withEmail.has(i) && i % 7 === 0);
  assert.deepEqual(t.sql.subjectSeqs(otherKeys), otherSeqs);
  assert.deepEqual(
    t.sql.search({ subjects: keys, after: 255, limit: 3 }).map((r) => r.seq),
    [256, 400, 520],
  );
  const result = t.writer.erase(keys, {
    pruneMasked: false,
    action: erasureAction('er-fold', 'ticket 2'),
  });
  assert.equal(result.exchanges, withEmail.size);
  assert.equal(result.indexRowsRemoved, withEmail.size);
  assert.deepEqual(t.sql.subjectSeqs(keys), []);
  assert.deepEqual(t.sql.subjectSeqs(otherKeys), otherSeqs);
  const report = verifyTrail(t.sql, { verifiers: t.verifiers });
  assert.equal(report.ok, true, JSON.stringify(report.problem));
});

test('a batch of thousands of events folds every bucket it completes', () => {
  const t = trail();
  t.writer.write(Array.from({ length: 1300 }, () => ({ facts: exchangeFacts() })));
  // 1,300 events: buckets 0–4 (events 0–1279) are complete and folded at once.
  assert.equal(t.raw().prepare("SELECT value FROM audit_meta WHERE name = 'folded'").pluck().get(), 5);
  assert.equal(t.raw().prepare('SELECT count(*) FROM audit_search').pluck().get(), 1280);
});

test('search by user, server, tool, session, time and id finds folded and unfolded events alike', () => {
  const t = trail();
  const base = Date.UTC(2026, 0, 1);
  // 600 events: every fifth by bob on server "hr", one a minute.
  for (let start = 0; start < 600; start += 100) {
    const batch = [];
    for (let seq = start; seq < start + 100; seq++) {
      const bob = seq % 5 === 0;
      batch.push({
        facts: exchangeFacts({
          id: `ev-${seq}`,
          receivedAt: base + seq * 60_000,
          caller: bob ? 'demo:u-bob' : 'demo:u-alice-0001',
          server: bob ? 'hr' : 'crm',
          name: bob ? 'list_staff' : 'get_customer',
          sessionId: bob ? 'sess-bob' : 'sess-1',
        }),
      });
    }
    t.writer.write(batch);
  }
  assert.equal(t.raw().prepare('SELECT count(*) FROM audit_search').pluck().get(), 512, 'two buckets folded');
  const bobs = Array.from({ length: 120 }, (_, i) => i * 5);
  const seqs = (q: Parameters<typeof t.sql.search>[0]) => t.sql.search(q).map((r) => r.seq);
  assert.deepEqual(seqs({ caller: 'demo:u-bob', limit: 1000 }), bobs);
  assert.deepEqual(seqs({ server: 'hr', name: 'list_staff', limit: 1000 }), bobs);
  assert.deepEqual(seqs({ sessionId: 'sess-bob', method: 'tools/call', limit: 1000 }), bobs);
  // A page that starts in the folded part and ends in the tail.
  assert.deepEqual(seqs({ caller: 'demo:u-bob', after: 500, limit: 4 }), [505, 510, 515, 520]);
  assert.deepEqual(
    seqs({ caller: 'demo:u-bob', since: base + 250 * 60_000, until: base + 530 * 60_000, limit: 1000 }),
    bobs.filter((s) => s >= 250 && s < 530),
  );
  assert.deepEqual(seqs({ since: base + 598 * 60_000, limit: 10 }), [598, 599]);
  for (const seq of [3, 300, 520])
    assert.deepEqual(
      t.sql.eventsById(`ev-${seq}`).map((r) => r.seq),
      [seq],
    );
});

test('a raw copy opens with the key encryption key; erasing the subject shreds it and the chain still verifies', () => {
  const t = trail({ checkpointEvery: 2 });
  const rec = (text: string) => toolRecording({ email: EMAIL }, text, { retainRaw: true });
  t.writer.write([{ facts: exchangeFacts(), recording: rec(`hello ${EMAIL}`) }]);
  t.writer.write([
    { facts: exchangeFacts(), recording: toolRecording({}, 'no subject', { retainRaw: true }) },
  ]);
  const kek = Buffer.from(t.setup.kek as Uint8Array);
  const opened = openRaw(t.sql, 0, kek);
  assert.ok(opened.ok);
  assert.match(JSON.stringify(opened.timeline), /jane\.roe@example\.com/);
  assert.equal(t.sql.payload(0)?.raw?.includes(Buffer.from('jane.roe')), false, 'sealed, not plain');

  const keys = subjectKeysFor(EMAIL, profileOf(t)).keys;
  const result = t.writer.erase(keys, {
    pruneMasked: false,
    action: erasureAction('er-1', 'ticket 1'),
  });
  assert.equal(result.exchanges, 1);
  assert.equal(result.keysDestroyed, 1);
  assert.ok(result.indexRowsRemoved >= 1);
  assert.deepEqual(openRaw(t.sql, 0, kek), { ok: false, reason: 'erased' });
  // Another subject's (here: no subject's) raw copy is untouched.
  assert.ok(openRaw(t.sql, 1, kek).ok);
  assert.deepEqual(t.sql.subjectSeqs(keys), []);
  const erasure = t.sql.event(2);
  assert.equal(erasure?.kind, 'erasure');
  assert.doesNotMatch(erasure?.body ?? '', /jane/i);
  const report = verifyTrail(t.sql, { verifiers: t.verifiers });
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  // The masked recording is still there (deleting it is an option of the erasure).
  assert.equal(replay(t.sql, erasure ? (t.sql.event(0)?.id as string) : '')[0]?.recording, 'masked');
});

test('erasure with deleted recordings: masked copies of that subject go, the chain still verifies', () => {
  const t = trail();
  t.writer.write([{ facts: exchangeFacts(), recording: toolRecording({ email: EMAIL }, 'x') }]);
  const keys = subjectKeysFor(EMAIL, profileOf(t)).keys;
  const r = t.writer.erase(keys, {
    pruneMasked: true,
    action: erasureAction('er-2', 'ticket 2'),
  });
  assert.equal(r.recordingsDeleted, 1);
  assert.equal(replay(t.sql, t.sql.event(0)?.id as string)[0]?.recording, 'deleted');
  const report = verifyTrail(t.sql, { verifiers: t.verifiers });
  assert.equal(report.ok, true);
  assert.equal(report.payloadsPruned, 1);
});

test('retention deletes payloads past their time, keeps events and hashes, and records itself', () => {
  const t = trail();
  const old = Date.now() - 40 * 86_400_000;
  t.writer.write([
    { facts: exchangeFacts({ receivedAt: old }), recording: toolRecording({}, 'old', { retainRaw: true }) },
  ]);
  t.writer.write([{ facts: exchangeFacts(), recording: toolRecording({}, 'new', { retainRaw: true }) }]);
  t.writer.write([
    { facts: exchangeFacts({ server: 'other', receivedAt: old }), recording: toolRecording({}, 'other') },
  ]);
  const r = t.writer.retain(
    [{ server: 'crm', maskedBefore: Date.now() - 30 * 86_400_000, rawBefore: Date.now() - 7 * 86_400_000 }],
    {
      kind: 'retention',
      id: 'ret-1',
      at: Date.now(),
      actor: 'custos',
      server: null,
      target: null,
      action: 'retention',
      reason: 'test',
    },
  );
  assert.deepEqual(r.deleted, { crm: { masked: 1, raw: 1 } });
  assert.equal(t.sql.payload(0)?.masked, null);
  assert.ok(t.sql.payload(1)?.masked);
  assert.ok(t.sql.payload(2)?.masked, 'another server keeps its recordings');
  assert.equal(t.sql.event(3)?.kind, 'retention');
  const report = verifyTrail(t.sql, { verifiers: t.verifiers });
  assert.equal(report.ok, true);
  assert.equal(report.payloadsPruned, 1);
});

test('a recording that cannot be masked keeps its event, never its unmasked bytes', () => {
  const t = trail();
  const bad = toolRecording({}, 'x', { profile: null });
  // A frame the writer cannot read stands for any input that makes masking throw.
  const poisoned = { ...bad, frames: [[1, { notBytes: true }]] } as unknown as typeof bad;
  t.writer.write([
    { facts: exchangeFacts(), recording: poisoned },
    { facts: exchangeFacts(), recording: bad },
  ]);
  assert.equal(t.sql.count(), 2);
  assert.equal(t.sql.payload(0), undefined);
  const body = JSON.parse(t.sql.event(0)?.body ?? '{}') as {
    recording: { masked: unknown; truncated: boolean };
  };
  assert.equal(body.recording.masked, null);
  assert.equal(body.recording.truncated, true);
  assert.ok(t.sql.payload(1)?.masked);
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { createAuditSql, prepareDatabase } from '../../src/store/index.ts';
import {
  foldSets,
  postingSeqs,
  SUBJECT_BUCKET,
  setHas,
  setKeys,
  setWithout,
  subjectSet,
} from '../../src/store/subject-sets.ts';

// The blind index's shapes (src/store/subject-sets.ts): a sorted set of keys per event, folded
// into postings per bucket of events; and the migration from one row per (subject, event).

const key = (label: string): string => createHash('sha256').update(label).digest('hex');

/** `count` keys whose first four bytes take only `prefixes` values: many tie there. */
const tiedKeys = (count: number, prefixes: number, label: string): string[] =>
  Array.from(
    { length: count },
    (_, i) => `${(i % prefixes).toString(16).padStart(8, '0')}${key(`${label}${i}`).slice(8)}`,
  );

/** The fold of a bucket's sets is exactly `expected`: each subject once, in order, with its events. */
function assertFolded(
  bucket: number,
  sets: { seq: number; keys: Buffer }[],
  expected: Map<string, number[]>,
) {
  const postings = [...foldSets(bucket, sets)];
  assert.deepEqual(
    postings.map((p) => p.subject.toString('hex')),
    [...expected.keys()].sort(),
  );
  for (const p of postings)
    assert.deepEqual(
      [...p.offsets],
      (expected.get(p.subject.toString('hex')) as number[]).sort((x, y) => x - y),
    );
}

test('a subject set is sorted, without duplicates, and leaves out what is not a 32-byte hex key', () => {
  const a = key('a');
  const b = key('b');
  const c = key('c');
  const set = subjectSet([c, a, b, a, 'nothex', `${'z'.repeat(64)}`, a.toUpperCase()]);
  assert.ok(set);
  assert.equal(set.count, 3);
  const hex = setKeys(set.keys).map((k) => k.toString('hex'));
  assert.deepEqual(hex, [a, b, c].sort());
  for (const k of [a, b, c]) assert.equal(setHas(set.keys, Buffer.from(k, 'hex')), true);
  assert.equal(setHas(set.keys, Buffer.from(key('d'), 'hex')), false);
  assert.equal(setHas(set.keys, Buffer.from('00', 'hex')), false);
  assert.equal(subjectSet(['', 'x'.repeat(64)]), null);
  assert.equal(subjectSet([]), null);
});

test('keys may also come as bytes, several to a buffer, merged with those in hex', () => {
  const keys = Array.from({ length: 2100 }, (_, i) => key(`bytes${i}`));
  const bytes = (list: string[]) => Buffer.from(list.join(''), 'hex');
  // Two buffers of keys (the second with half a key left over at its end), hex keys beside them,
  // and repeats across both forms: each key once.
  const set = subjectSet(
    [...keys.slice(2000), keys[5] as string, 'nothex'],
    [
      bytes(keys.slice(0, 1024)),
      Buffer.concat([bytes(keys.slice(1024, 2000)), Buffer.alloc(16, 7)]),
      bytes([keys[2050] as string]),
    ],
  );
  assert.ok(set);
  assert.equal(set.count, 2100);
  assert.deepEqual(
    setKeys(set.keys).map((k) => k.toString('hex')),
    [...keys].sort(),
  );
  assert.equal(subjectSet([], [Buffer.alloc(31)]), null);
});

test('a set of thousands of keys, decoded in parts, leaves out a bad key in any part and no other', () => {
  const keys = Array.from({ length: 2500 }, (_, i) => key(`many${i}`));
  const bad = [...keys];
  bad.splice(1500, 0, `${'g'.repeat(64)}`);
  bad.splice(10, 0, `${key('x').slice(0, 63)}-`);
  for (const list of [keys, bad]) {
    const set = subjectSet(list);
    assert.ok(set);
    assert.equal(set.count, 2500);
    assert.deepEqual(
      setKeys(set.keys).map((k) => k.toString('hex')),
      [...keys].sort(),
    );
  }
});

test('binary search finds every key of a large set and no other', () => {
  const keys = Array.from({ length: 1000 }, (_, i) => key(`k${i}`));
  const set = subjectSet(keys);
  assert.ok(set);
  for (const k of keys) assert.equal(setHas(set.keys, Buffer.from(k, 'hex')), true, k);
  for (let i = 0; i < 200; i++) assert.equal(setHas(set.keys, Buffer.from(key(`other${i}`), 'hex')), false);
  const without = setWithout(set.keys, [Buffer.from(keys[0] as string, 'hex')]);
  assert.ok(without);
  assert.equal(without.length, 999 * 32);
  assert.equal(setHas(without, Buffer.from(keys[0] as string, 'hex')), false);
  assert.equal(setHas(without, Buffer.from(keys[1] as string, 'hex')), true);
});

test('keys sharing their first bytes, repeated in any case, sort by their bytes, once each', () => {
  // 3,000 keys from 40 four-byte prefixes (ties everywhere), each given twice, once upper case.
  const keys = tiedKeys(3000, 40, 't');
  const set = subjectSet([...keys, ...keys.map((k) => k.toUpperCase())]);
  assert.ok(set);
  assert.equal(set.count, 3000);
  assert.deepEqual(
    setKeys(set.keys).map((k) => k.toString('hex')),
    [...keys].sort(),
  );
});

test('folding a bucket gives one posting per subject, sorted, naming exactly its events', () => {
  const a = key('a');
  const b = key('b');
  const bucket = 3;
  const base = bucket * SUBJECT_BUCKET;
  const sets = [
    { seq: base + 5, keys: subjectSet([a, b])?.keys as Buffer },
    { seq: base, keys: subjectSet([b])?.keys as Buffer },
    { seq: base + 255, keys: subjectSet([a])?.keys as Buffer },
  ];
  const postings = [...foldSets(bucket, sets)];
  assert.deepEqual(
    postings.map((p) => p.subject.toString('hex')),
    [a, b].sort(),
  );
  const seqsOf = (k: string) =>
    postingSeqs(bucket, postings.find((p) => p.subject.toString('hex') === k)?.offsets as Buffer);
  assert.deepEqual(seqsOf(a), [base + 5, base + 255]);
  assert.deepEqual(seqsOf(b), [base, base + 5]);
  assert.throws(
    () => [...foldSets(bucket, [{ seq: base + SUBJECT_BUCKET, keys: sets[0]?.keys as Buffer }])],
    /is not in bucket 3/,
  );
  assert.throws(
    () => [...foldSets(bucket, [{ seq: base + 0.5, keys: sets[0]?.keys as Buffer }])],
    RangeError,
  );
  // One set per event: a second one for the same event is refused, not merged.
  assert.throws(() => [...foldSets(bucket, [sets[0], sets[0]] as typeof sets)], /has two subject sets/);
});

test('folding a full bucket of shared subjects under tied prefixes names exactly the events of each', () => {
  // 300 subjects over 10 four-byte prefixes; each of 256 events touches a pseudo-random third of them.
  const pool = tiedKeys(300, 10, 'p');
  const bucket = 9;
  const base = bucket * SUBJECT_BUCKET;
  const expected = new Map<string, number[]>();
  const sets: { seq: number; keys: Buffer }[] = [];
  for (let offset = SUBJECT_BUCKET - 1; offset >= 0; offset--) {
    const touched = pool.filter((_, i) => (i * 7919 + offset * 104729) % 3 === 0);
    for (const k of touched) expected.set(k, [...(expected.get(k) ?? []), offset]);
    sets.push({ seq: base + offset, keys: subjectSet(touched)?.keys as Buffer });
  }
  assertFolded(bucket, sets, expected);
  assert.deepEqual([...foldSets(bucket, [])], []);
});

test('folding agrees with a plain model for any sets, tied prefixes, and keys not on a 4-byte boundary', () => {
  // Keys from a small pool whose first four bytes often tie, sets given in any order, each set's
  // bytes at any offset of a larger buffer (SQLite hands blobs out wherever they lie).
  const pool = tiedKeys(40, 6, 'm');
  const bucket = 5;
  const base = bucket * SUBJECT_BUCKET;
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.record({
          offset: fc.integer({ min: 0, max: SUBJECT_BUCKET - 1 }),
          picks: fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 1, maxLength: 30 }),
          shift: fc.integer({ min: 0, max: 3 }),
        }),
        { selector: (s) => s.offset, maxLength: 40 },
      ),
      (events) => {
        const expected = new Map<string, number[]>();
        const sets = events.map(({ offset, picks, shift }) => {
          const hex = picks.map((i) => pool[i] as string);
          for (const k of new Set(hex)) expected.set(k, [...(expected.get(k) ?? []), offset]);
          const keys = subjectSet(hex)?.keys as Buffer;
          const host = Buffer.alloc(keys.length + shift);
          keys.copy(host, shift);
          return { seq: base + offset, keys: host.subarray(shift) };
        });
        assertFolded(bucket, sets, expected);
      },
    ),
    { numRuns: 150 },
  );
});

test('the migration moves one-row-per-subject indexes into postings (complete buckets) and sets (the rest)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-subjects-'));
  try {
    const db = new Database(join(dir, 'old.db'));
    prepareDatabase(db);
    const latest = db.pragma('user_version', { simple: true }) as number;
    // Back to the schema before this migration, with 300 events and the old index.
    db.exec(`DROP TABLE audit_subject_sets; DROP TABLE audit_subject_postings; DROP TABLE audit_search;
      DELETE FROM audit_meta WHERE name = 'folded';
      CREATE TABLE audit_subjects (subject BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (subject, seq)) WITHOUT ROWID;
      CREATE INDEX audit_events_id ON audit_events (id);
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE INDEX audit_events_caller ON audit_events (caller, at);
      CREATE INDEX audit_events_server ON audit_events (server, at);
      CREATE INDEX audit_events_name ON audit_events (name, at) WHERE name IS NOT NULL;
      CREATE INDEX audit_events_session ON audit_events (session_id) WHERE session_id IS NOT NULL;`);
    const ev = db.prepare(
      `INSERT INTO audit_events (seq, id, kind, at, body, leaf_hash, chain_hash) VALUES (?, ?, 'exchange', 0, '{}', x'00', x'00')`,
    );
    const sub = db.prepare('INSERT INTO audit_subjects (subject, seq) VALUES (?, ?)');
    const a = Buffer.from(key('a'), 'hex');
    const b = Buffer.from(key('b'), 'hex');
    const withA = [0, 7, 255, 256, 299];
    const withB = [7, 100, 280];
    for (let seq = 0; seq < 300; seq++) {
      ev.run(seq, `e${seq}`);
      if (withA.includes(seq)) sub.run(a, seq);
      if (withB.includes(seq)) sub.run(b, seq);
    }
    db.pragma(`user_version = ${latest - 1}`);
    prepareDatabase(db);
    assert.equal(db.pragma('user_version', { simple: true }), latest);
    const sql = createAuditSql(db);
    assert.deepEqual(sql.subjectSeqs([a]), withA);
    assert.deepEqual(sql.subjectSeqs([b]), withB);
    assert.deepEqual(
      sql.subjectSeqs([a, b]),
      [...new Set([...withA, ...withB])].sort((x, y) => x - y),
    );
    // Bucket 0 (events 0–255) is postings; events 256–299 are sets.
    assert.equal(db.prepare('SELECT count(*) FROM audit_subject_postings').pluck().get(), 2);
    assert.deepEqual(
      db.prepare('SELECT seq FROM audit_subject_sets ORDER BY seq').pluck().all(),
      [256, 280, 299],
    );
    // Erasing a removes every entry of it, folded or not, and leaves b alone.
    assert.equal(sql.deleteSubjectIndex([a]), withA.length);
    assert.deepEqual(sql.subjectSeqs([a]), []);
    assert.deepEqual(sql.subjectSeqs([b]), withB);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

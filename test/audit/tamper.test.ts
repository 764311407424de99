import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { exportDsar, verifyDsar } from '../../src/audit/dsar.ts';
import { ed25519Signer, ed25519Verifier, signNote } from '../../src/audit/signed-note.ts';
import { subjectKeysFor } from '../../src/audit/subjects.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { compileProfile } from '../../src/masking/compile.ts';
import { profileSchema } from '../../src/masking/config.ts';
import { exchangeFacts, openTestTrail, type TestTrail, toolRecording } from '../helpers/audit.ts';

// `custos audit verify` against tampering: each way of changing the stored trail is caught and
// the first bad sequence number named. Every case starts from a fresh trail of 20 events with
// checkpoints every 8 (so at 8 and 16) and tampers with it through a second connection, as
// someone with write access to the database file would.

const trails: TestTrail[] = [];
after(() => {
  for (const t of trails) t.close();
});

function trail(): TestTrail {
  const t = openTestTrail({ checkpointEvery: 8 });
  trails.push(t);
  for (let i = 0; i < 20; i++)
    t.writer.write([
      { facts: exchangeFacts(), recording: toolRecording({ n: i }, `answer ${i} jane.roe@example.com`) },
    ]);
  assert.deepEqual(
    t.sql.checkpoints().map((c) => c.size),
    [8, 16],
  );
  assert.equal(verifyTrail(t.sql, { verifiers: t.verifiers }).ok, true);
  return t;
}

function problem(t: TestTrail): { seq: number; reason: string } {
  const r = verifyTrail(t.sql, { verifiers: t.verifiers, origin: t.setup.origin });
  assert.equal(r.ok, false, 'verify must fail');
  return r.problem as { seq: number; reason: string };
}

test('a flipped byte in an event body', () => {
  const t = trail();
  const db = t.raw();
  const body = (db.prepare('SELECT body FROM audit_events WHERE seq = 5').pluck().get() as string).replace(
    '"outcome":"ok"',
    '"outcome":"ol"',
  );
  db.prepare('UPDATE audit_events SET body = ? WHERE seq = 5').run(body);
  assert.deepEqual(problem(t).seq, 5);
});

test('a body rewritten with its leaf and chain hashes recomputed is caught by the signed root', async () => {
  const t = trail();
  const db = t.raw();
  const { hashLeaf } = await import('../../src/audit/merkle.ts');
  const { createHash } = await import('node:crypto');
  const row = db.prepare('SELECT body, chain_hash FROM audit_events WHERE seq = 3').get() as { body: string };
  const body = row.body.replace('"outcome":"ok"', '"outcome":"error"');
  const leaf = hashLeaf(Buffer.from(body));
  // Recompute the whole chain after it, as a careful tamperer would.
  let prev = db.prepare('SELECT chain_hash FROM audit_events WHERE seq = 2').pluck().get() as Buffer;
  db.prepare('UPDATE audit_events SET body = ?, leaf_hash = ?, outcome = ? WHERE seq = 3').run(
    body,
    leaf,
    'error',
  );
  for (let s = 3; s < 20; s++) {
    const l = db.prepare('SELECT leaf_hash FROM audit_events WHERE seq = ?').pluck().get(s) as Buffer;
    prev = createHash('sha256').update(prev).update(l).digest();
    db.prepare('UPDATE audit_events SET chain_hash = ? WHERE seq = ?').run(prev, s);
  }
  const p = problem(t);
  assert.equal(p.seq, 7, 'the first signed root after the change (checkpoint 8) does not hold');
  assert.match(p.reason, /root/);
});

test('a deleted row', () => {
  const t = trail();
  t.raw().prepare('DELETE FROM audit_events WHERE seq = 11').run();
  const p = problem(t);
  assert.equal(p.seq, 11);
  assert.match(p.reason, /missing/);
});

test('an inserted row (the rows after it renumbered)', () => {
  const t = trail();
  const db = t.raw();
  db.prepare('UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 6').run();
  db.prepare('UPDATE audit_events SET seq = -seq WHERE seq < 0').run();
  db.prepare(
    `INSERT INTO audit_events (seq, id, kind, at, server, caller, method, name, session_id, outcome, body, leaf_hash, chain_hash)
     SELECT 6, 'forged', kind, at, server, caller, method, name, session_id, outcome, body, leaf_hash, chain_hash FROM audit_events WHERE seq = 5`,
  ).run();
  assert.equal(problem(t).seq, 6);
});

test('two rows swapped (reordered)', () => {
  const t = trail();
  const db = t.raw();
  db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = 9').run();
  db.prepare('UPDATE audit_events SET seq = 9 WHERE seq = 10').run();
  db.prepare('UPDATE audit_events SET seq = 10 WHERE seq = -1').run();
  assert.equal(problem(t).seq, 9);
});

test('the trail truncated after a checkpoint', () => {
  const t = trail();
  t.raw().prepare('DELETE FROM audit_events WHERE seq >= 12').run();
  const p = problem(t);
  assert.equal(p.seq, 12);
  assert.match(p.reason, /truncated/);
});

test('a forged checkpoint: its text changed, or signed by another key', () => {
  const t = trail();
  const db = t.raw();
  const note = db.prepare('SELECT note FROM audit_checkpoints WHERE size = 16').pluck().get() as string;
  db.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = 16').run(note.replace('\n16\n', '\n15\n'));
  assert.equal(problem(t).seq, 16);

  const t2 = trail();
  const other = generateKeyPairSync('ed25519');
  const root = t2.sql.checkpointAt(16)?.rootHash;
  assert.ok(root);
  const text = `${t2.setup.origin}\n16\n${root.toString('base64')}\n`;
  const forged = signNote(text, ed25519Signer(t2.setup.origin, other.privateKey));
  t2.raw().prepare('UPDATE audit_checkpoints SET note = ? WHERE size = 16').run(forged);
  const p = problem(t2);
  assert.equal(p.seq, 16);
  assert.match(p.reason, /forged|unknown key/);
  // …which the forger's key would accept, so the verifier is what the operator trusts.
  assert.equal(
    verifyTrail(t2.sql, { verifiers: [ed25519Verifier(t2.setup.origin, other.publicKey)] }).ok,
    false,
  );
});

test('an altered recording, a search column and a stored Merkle node', () => {
  const t = trail();
  t.raw().prepare("UPDATE audit_payloads SET masked = CAST('x' AS BLOB) WHERE seq = 4").run();
  assert.match(problem(t).reason, /recording/);

  const t2 = trail();
  t2.raw().prepare("UPDATE audit_events SET caller = 'someone-else' WHERE seq = 13").run();
  assert.equal(problem(t2).seq, 13);

  const t3 = trail();
  t3.raw().prepare('UPDATE audit_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0').run();
  const p = problem(t3);
  assert.equal(p.seq, 15);
  assert.match(p.reason, /Merkle node/);
});

test('verify from a checkpoint checks what follows it', () => {
  const t = trail();
  const r = verifyTrail(t.sql, { verifiers: t.verifiers, fromCheckpoint: 16 });
  assert.equal(r.ok, true);
  assert.equal(r.events, 4);
  t.raw().prepare("UPDATE audit_events SET body = body || ' ' WHERE seq = 18").run();
  const bad = verifyTrail(t.sql, { verifiers: t.verifiers, fromCheckpoint: 16 });
  assert.equal(bad.problem?.seq, 18);
});

test('a DSAR bundle verifies; a changed event or a forged inclusion proof does not', () => {
  const t = trail();
  const profile = compileProfile(profileSchema.parse({}), { hmacKey: Buffer.from(t.setup.hmacKey) });
  const keys = subjectKeysFor('jane.roe@example.com', profile).keys;
  const checkpoint = t.writer.checkpoint(true);
  assert.ok(checkpoint);
  const bundle = exportDsar(t.sql, {
    subject: 'jane.roe@example.com',
    keys,
    checkpoint,
    origin: t.setup.origin,
    verifierKey: 'k',
  });
  assert.equal(bundle.exchanges.length, 20);
  assert.deepEqual(verifyDsar(bundle, t.verifiers), { ok: true, problems: [], exchanges: 20 });

  const changed = structuredClone(bundle);
  (changed.exchanges[3] as { event: string }).event = changed.exchanges[3]?.event.replace(
    '"outcome":"ok"',
    '"outcome":"error"',
  ) as string;
  const c1 = verifyDsar(changed, t.verifiers);
  assert.equal(c1.ok, false);
  assert.match(c1.problems.join(), /#3: its inclusion proof/);

  const forged = structuredClone(bundle);
  const proof = forged.exchanges[7]?.inclusionProof as string[];
  proof[0] = (proof[0] as string).replace(/^./, (c) => (c === '0' ? '1' : '0'));
  assert.match(verifyDsar(forged, t.verifiers).problems.join(), /#7/);

  const foreign = verifyDsar(bundle, [
    ed25519Verifier(t.setup.origin, generateKeyPairSync('ed25519').publicKey),
  ]);
  assert.equal(foreign.ok, false);
  assert.match(foreign.problems.join(), /checkpoint/);
});

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCheckpoint, signCheckpoint } from '../../src/audit/checkpoint.ts';
import { AuditKeyError, loadOrCreateAuditKey } from '../../src/audit/keys.ts';
import { EMPTY_ROOT } from '../../src/audit/merkle.ts';
import { NoteError, parseVerifierKey } from '../../src/audit/signed-note.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'custos-audit-key-'));
const ORIGIN = 'custos.example/audit';

test('the audit key is created 0600, reused, and its verifier key string checks its checkpoints', async () => {
  const file = join(tempDir(), 'audit-key.json');
  const first = await loadOrCreateAuditKey(file, ORIGIN);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(jwk).sort(), ['crv', 'd', 'kty', 'x']);
  const second = await loadOrCreateAuditKey(file, ORIGIN);
  assert.equal(second.verifierKey, first.verifierKey);
  assert.match(first.verifierKey, /^custos\.example\/audit\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
  // The private half appears nowhere in what is handed out.
  assert.ok(!first.verifierKey.includes(jwk.d as string));

  // What a witness does: parse the verifier key string it was given, open the checkpoint.
  const witness = parseVerifierKey(first.verifierKey);
  assert.equal(witness.keyId, first.signer.keyId);
  const note = signCheckpoint({ origin: ORIGIN, size: 0, rootHash: EMPTY_ROOT }, second.signer);
  assert.equal(openCheckpoint(note, [witness], { origin: ORIGIN }).checkpoint.size, 0);
});

test('two processes starting at once end up with the same audit key', async () => {
  const file = join(tempDir(), 'audit-key.json');
  const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateAuditKey(file, ORIGIN)));
  assert.equal(new Set(keys.map((k) => k.verifierKey)).size, 1);
});

test('a readable, malformed or misnamed audit key is refused without quoting it', async () => {
  const dir = tempDir();
  const open = join(dir, 'open.json');
  await loadOrCreateAuditKey(open, ORIGIN);
  chmodSync(open, 0o640);
  await assert.rejects(loadOrCreateAuditKey(open, ORIGIN), (err: Error) => {
    assert.ok(err instanceof AuditKeyError);
    assert.match(err.message, /the audit key is accessible to group or others .*chmod 600/);
    return true;
  });
  const junk = join(dir, 'junk.json');
  writeFileSync(junk, '{"kty":"oct","k":"c2VjcmV0LXZhbHVl"}', { mode: 0o600 });
  await assert.rejects(loadOrCreateAuditKey(junk, ORIGIN), (err: Error) => {
    assert.ok(err instanceof AuditKeyError);
    assert.doesNotMatch(err.message, /c2VjcmV0/);
    return true;
  });
  await assert.rejects(
    loadOrCreateAuditKey(join(dir, 'k.json'), 'custos audit'),
    (err: Error) => err instanceof NoteError && err.code === 'invalid-key-name',
  );
  assert.throws(() => statSync(join(dir, 'k.json')), /ENOENT/);
});

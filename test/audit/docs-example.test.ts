import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { openCheckpoint } from '../../src/audit/checkpoint.ts';
import { hashLeaf, MerkleAppender } from '../../src/audit/merkle.ts';
import { parseVerifierKey } from '../../src/audit/signed-note.ts';

// docs/audit.md shows a checkpoint, its signed note and the verifier key string; they must be
// real: the key opens the note, and the root is that of the leaves `event 0` … `event 99999`.

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/audit.md'), 'utf8');

test('the checkpoint in docs/audit.md is signed by the key shown and has the root it claims', () => {
  const vkey = /^custos\.example\/audit\+[0-9a-f]{8}\+\S+$/m.exec(doc)?.[0];
  assert.ok(vkey, 'verifier key string in docs/audit.md');
  const note = /```\n(custos\.example\/audit\n\d+\n\S+\n\n— .+\n)```/.exec(doc)?.[1];
  assert.ok(note, 'signed note in docs/audit.md');
  const { checkpoint } = openCheckpoint(note, [parseVerifierKey(vkey)], { origin: 'custos.example/audit' });
  assert.ok(
    doc.includes(`\`\`\`\n${note.slice(0, note.indexOf('\n\n') + 1)}\`\`\``),
    'the plain checkpoint matches',
  );
  const appender = new MerkleAppender(0, []);
  for (let i = 0; i < checkpoint.size; i++) appender.append(hashLeaf(Buffer.from(`event ${i}`)));
  assert.deepEqual(appender.root(), checkpoint.rootHash);
});

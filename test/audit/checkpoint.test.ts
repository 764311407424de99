import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  type Checkpoint,
  CheckpointError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../src/audit/checkpoint.ts';
import { hashLeaf, MemoryTree } from '../../src/audit/merkle.ts';
import {
  ed25519Signer,
  formatVerifierKey,
  type NoteError,
  openNote,
  parseVerifierKey,
} from '../../src/audit/signed-note.ts';

const root = hashLeaf(Buffer.from('root'));

function rejects(text: string): boolean {
  try {
    parseCheckpoint(text);
    return false;
  } catch (err) {
    assert.ok(err instanceof CheckpointError, String(err));
    assert.equal(err.code, 'malformed-checkpoint');
    return true;
  }
}

test('format and parse round-trip, with and without extension lines', () => {
  const cp: Checkpoint = { origin: 'custos.example/audit', size: 20852163, rootHash: root };
  const text = formatCheckpoint(cp);
  assert.equal(text, `custos.example/audit\n20852163\n${root.toString('base64')}\n`);
  assert.deepEqual(parseCheckpoint(text), cp);
  const ext = { ...cp, extensions: ['— not a signature', 'x'] };
  assert.equal(formatCheckpoint(ext), `${text}— not a signature\nx\n`);
  assert.deepEqual(parseCheckpoint(formatCheckpoint(ext)), ext);
  assert.deepEqual(parseCheckpoint(formatCheckpoint({ ...cp, size: 0 })).size, 0);
  assert.equal(parseCheckpoint(formatCheckpoint({ ...cp, size: 2 ** 53 })).size, 2 ** 53);
});

test("C2SP's example checkpoint parses (c2sp.org/tlog-checkpoint, C2SP/C2SP tlog-checkpoint.md)", () => {
  const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
  const cp = parseCheckpoint(text);
  assert.equal(cp.origin, 'example.com/behind-the-sofa');
  assert.equal(cp.size, 20852163);
  assert.equal(cp.rootHash.toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
  assert.equal(formatCheckpoint(cp), text);
  // Its signature is by a key the spec does not publish: well-formed, but not ours to trust.
  const note = `${text}\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n`;
  assert.throws(
    () => openCheckpoint(note, []),
    (err: NoteError) => err.code === 'unverified-note',
  );
});

test("Go's sumdb tree heads: signed notes from golang.org/x/mod verify, and their text parses", () => {
  // golang/mod sumdb/client_test.go: the test log's verifier key and two tree heads it signed
  // (quoted in TestClientFork). Their origin line has spaces, which a reader must accept.
  const vkey = parseVerifierKey(
    'localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6',
  );
  const heads = [
    [
      5,
      'go.sum database tree\n5\nnWzN20+pwMt62p7jbv1/NlN95ePTlHijabv5zO/s36w=\n\n— localhost.localdev/sumdb AAAMZ5/2FVAdMH58kmnz/0h299pwyskEbzDzoa2/YaPdhvLya4YWDFQQxu2TQb5GpwAH4NdWnTwuhILafisyf3CNbgg=\n',
    ],
    [
      6,
      'go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n\n— localhost.localdev/sumdb AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2kzRLoCr4tvw9o36ucQEnhc20e4nA4Qc/wc=\n',
    ],
  ] as const;
  for (const [size, note] of heads) {
    const { checkpoint, verified } = openCheckpoint(note, [vkey], { origin: 'go.sum database tree' });
    assert.equal(checkpoint.size, size);
    assert.equal(verified[0]?.name, 'localhost.localdev/sumdb');
  }
  // golang/mod sumdb/tlog/note_test.go TestParseTree: the good tree and the bad ones.
  const good = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';
  assert.equal(parseCheckpoint(good).size, 123456789012);
  assert.ok(rejects('go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n'));
  assert.ok(
    rejects('go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n'),
  );
});

test('strict parsing: sizes, base64, lines', () => {
  const h = root.toString('base64');
  const bad = [
    // Sizes: leading zeros, signs, spaces, other notations, beyond 2^53.
    `o\n007\n${h}\n`,
    `o\n00\n${h}\n`,
    `o\n+5\n${h}\n`,
    `o\n-1\n${h}\n`,
    `o\n 5\n${h}\n`,
    `o\n5 \n${h}\n`,
    `o\n1e3\n${h}\n`,
    `o\n5.0\n${h}\n`,
    `o\n\n${h}\n`,
    `o\n9007199254740993\n${h}\n`,
    `o\n90071992547409920\n${h}\n`,
    // Root hashes: not canonical, unpadded, URL alphabet, wrong length.
    `o\n5\n${'A'.repeat(42)}B=\n`,
    `o\n5\n${h.slice(0, -1)}\n`,
    `o\n5\n${Buffer.alloc(32, 0xfb).toString('base64url')}=\n`,
    `o\n5\n${Buffer.alloc(31).toString('base64')}\n`,
    `o\n5\n${Buffer.alloc(33).toString('base64')}\n`,
    `o\n5\n ${h}\n`,
    // Lines: empty origin, empty extension, too few, no final newline, CRLF, control characters.
    `\n5\n${h}\n`,
    `o\n5\n${h}\n\n`,
    `o\n5\n${h}\next\n\n`,
    `o\n5\n`,
    `o\n5\n${h}`,
    `o\r\n5\r\n${h}\r\n`,
    `o\u0000\n5\n${h}\n`,
  ];
  for (const text of bad) assert.ok(rejects(text), JSON.stringify(text));
  assert.ok(!rejects(`o\n9007199254740992\n${h}\n`));
  assert.ok(!rejects(`an origin with spaces\n0\n${h}\n`));
});

test('formatting refuses what could not be parsed back or signed', () => {
  const base: Checkpoint = { origin: 'custos.example/audit', size: 1, rootHash: root };
  for (const cp of [
    { ...base, origin: '' },
    { ...base, origin: 'has space' },
    { ...base, origin: 'a+b' },
    { ...base, size: -1 },
    { ...base, size: 1.5 },
    { ...base, size: 2 ** 53 + 2 },
    { ...base, rootHash: Buffer.alloc(31) },
    { ...base, extensions: [''] },
    { ...base, extensions: ['two\nlines'] },
  ]) {
    assert.throws(() => formatCheckpoint(cp), CheckpointError, JSON.stringify(cp));
  }
});

test('a signed checkpoint of a real tree opens with the log key and only with it', () => {
  const tree = new MemoryTree();
  for (let i = 0; i < 1000; i++) tree.append(hashLeaf(Buffer.from(`event ${i}`)));
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = ed25519Signer('custos.example/audit', privateKey);
  const verifier = parseVerifierKey(formatVerifierKey('custos.example/audit', privateKey));
  const note = signCheckpoint({ origin: signer.name, size: tree.size, rootHash: tree.root() }, signer);
  const opened = openCheckpoint(note, [verifier], { origin: 'custos.example/audit' });
  assert.equal(opened.checkpoint.size, 1000);
  assert.deepEqual(opened.checkpoint.rootHash, tree.root());
  assert.throws(
    () => openCheckpoint(note, [verifier], { origin: 'other.example/log' }),
    /expected other\.example/,
  );
  // A forged checkpoint: another size under the old signature.
  const forged = note.replace('\n1000\n', '\n1001\n');
  assert.throws(
    () => openCheckpoint(forged, [verifier]),
    (err: NoteError) => err.code === 'invalid-signature',
  );
  // A validly signed note whose text is not a checkpoint.
  const notCheckpoint = openNote(note, [verifier]).text.replace(/\n.*\n$/, '\n');
  assert.throws(() => parseCheckpoint(notCheckpoint), CheckpointError);
});

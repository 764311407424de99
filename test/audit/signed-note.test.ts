import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import {
  ed25519Signer,
  ed25519Verifier,
  formatVerifierKey,
  NoteError,
  type NoteVerifier,
  openNote,
  parseVerifierKey,
  signNote,
} from '../../src/audit/signed-note.ts';

// Vectors from Go's golang.org/x/mod/sumdb/note (repository golang/mod, sumdb/note/note_test.go
// and the package documentation in note.go): Peter Neumann's key pair and the note it signs,
// Enoch Root's verifier key and cosignature.

const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** Go's signer key format: PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ 32-byte Ed25519 seed). */
function goSigningKey(skey: string): { name: string; privateKey: KeyObject } {
  const parts = skey.split('+');
  const name = parts[2]!;
  // The base64 key may itself hold '+'.
  const seed = Buffer.from(parts.slice(4).join('+'), 'base64').subarray(1);
  // PKCS #8 wrapping of an Ed25519 seed (RFC 8410 §7).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return { name, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
}

const peter = parseVerifierKey(PETER_VKEY);
const enoch = parseVerifierKey(ENOCH_VKEY);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof NoteError) return err.code;
    throw err;
  }
  return 'ok';
}

test("Go's verifier keys parse, with the published key IDs", () => {
  assert.equal(peter.name, 'PeterNeumann');
  assert.equal(peter.keyId, 0xc74f20a3);
  assert.equal(enoch.keyId, 0xaf0cfe78);
});

test("a mangled verifier key is refused (TestNewVerifier's manglings)", () => {
  const b = Buffer.from(PETER_VKEY);
  for (let i = 0; i <= b.length; i++) {
    for (let j = i + 1; j <= b.length; j++) {
      if (i === 0 && j === b.length) continue;
      assert.equal(
        code(() => parseVerifierKey(b.subarray(i, j).toString())),
        'malformed-verifier-key',
        `[${i}, ${j})`,
      );
    }
  }
  for (let i = 0; i < b.length; i++) {
    const m = Buffer.from(b);
    m[i]! += 1;
    assert.equal(
      code(() => parseVerifierKey(m.toString())),
      'malformed-verifier-key',
      `byte ${i}`,
    );
  }
  // Wrong key length and unknown algorithm, each with a key ID that matches.
  assert.equal(
    code(() =>
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    ),
    'malformed-verifier-key',
  );
  assert.equal(
    code(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    'malformed-verifier-key',
  );
});

test("signing Go's text with Go's key gives Go's note, byte for byte (TestSign)", () => {
  const { name, privateKey } = goSigningKey(PETER_SKEY);
  const signer = ed25519Signer(name, privateKey);
  assert.equal(signer.keyId, 0xc74f20a3);
  assert.equal(formatVerifierKey(name, privateKey), PETER_VKEY);
  assert.equal(signNote(TEXT, signer), `${TEXT}\n${PETER_SIG}`);
  assert.equal(
    code(() => signNote('abc', signer)),
    'malformed-note',
  );
  assert.equal(
    code(() => ed25519Signer('bad name', privateKey)),
    'invalid-key-name',
  );
  assert.equal(
    code(() => ed25519Signer('a+b', privateKey)),
    'invalid-key-name',
  );
});

test("opening Go's notes (TestOpen)", () => {
  const both = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
  const one = openNote(both, [peter]);
  assert.equal(one.text, TEXT);
  assert.deepEqual(
    one.verified.map((s) => [s.name, s.keyId]),
    [['PeterNeumann', 0xc74f20a3]],
  );
  assert.deepEqual(
    one.unverified.map((s) => [s.name, s.keyId]),
    [['EnochRoot', 0xaf0cfe78]],
  );
  const two = openNote(both, [peter, enoch]);
  assert.deepEqual(
    two.verified.map((s) => s.name),
    ['PeterNeumann', 'EnochRoot'],
  );
  assert.equal(two.unverified.length, 0);

  // Nobody known: an error that still says who signed.
  assert.throws(
    () => openNote(both, []),
    (err: NoteError) => {
      assert.equal(err.code, 'unverified-note');
      assert.match(
        err.message,
        /no signature by a known key \(signed by PeterNeumann\+c74f20a3, EnochRoot\+af0cfe78/,
      );
      assert.equal(err.note?.unverified.length, 2);
      return true;
    },
  );
  // A verifier listed twice is ambiguous only when its key signed.
  assert.equal(
    code(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch])),
    'ambiguous-key',
  );
  assert.equal(
    code(() => openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch])),
    'ok',
  );
  // Too many signatures.
  assert.equal(
    code(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter])),
    'malformed-note',
  );
  assert.equal(
    code(() => openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter])),
    'ok',
  );
  // A signature by a known key that does not verify rejects the note.
  const broken = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
  assert.equal(
    code(() => openNote(`${TEXT}\n${broken}`, [peter])),
    'invalid-signature',
  );
  // Repeats: one verified entry per key; identical unknown lines once; a different unknown
  // signature by the same unknown key listed too.
  const enochBroken = `${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`;
  const dup = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochBroken}`, [peter]);
  assert.equal(dup.verified.length, 1);
  assert.equal(dup.unverified.length, 2);
});

test("malformed notes are refused (TestOpen's bad messages)", () => {
  const bad: (string | Uint8Array)[] = [
    TEXT,
    `${TEXT}\n`,
    `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
    `\u0001${TEXT}\n${PETER_SIG}`,
    Buffer.concat([Buffer.of(0xff), Buffer.from(`${TEXT}\n${PETER_SIG}`)]),
    `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
    `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
    // And a few more: CRLF, a lone surrogate, a signature without its key ID, non-canonical base64.
    `${TEXT}\n${PETER_SIG}`.replaceAll('\n', '\r\n'),
    `\ud800${TEXT}\n${PETER_SIG}`,
    `${TEXT}\n— PeterNeumann AAAA\n`,
    `${TEXT}\n${PETER_SIG.replace('AM=', 'AN=')}`,
    `${TEXT}\n${PETER_SIG.replace('=\n', '\n')}`,
  ];
  for (const note of bad)
    assert.equal(
      code(() => openNote(note, [peter])),
      'malformed-note',
      String(note),
    );
  // The same note as bytes opens like the string.
  assert.equal(openNote(Buffer.from(`${TEXT}\n${PETER_SIG}`), [peter]).text, TEXT);
});

test("C2SP's example note parses: text with a blank line inside, signed by a key we do not know", () => {
  // c2sp.org/signed-note (repository C2SP/C2SP, signed-note.md). Its key is not published.
  const text = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
  const note = `${text}\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n`;
  assert.throws(
    () => openNote(note, [peter]),
    (err: NoteError) => {
      assert.equal(err.code, 'unverified-note');
      assert.equal(err.note?.text, text);
      assert.equal(err.note?.unverified[0]?.keyId, 0x367ba04b);
      assert.equal(err.note?.unverified[0]?.signature.length, 64);
      return true;
    },
  );
});

test('round trip with fresh keys; tampering, wrong keys and truncation fail as they should', () => {
  const a = generateKeyPairSync('ed25519');
  const b = generateKeyPairSync('ed25519');
  const signer = ed25519Signer('custos.example/audit', a.privateKey);
  const verifier = parseVerifierKey(formatVerifierKey('custos.example/audit', a.publicKey));
  assert.equal(verifier.keyId, signer.keyId);
  const text = 'custos.example/audit\n42\nbG9yZW0gaXBzdW0gZG9sb3Igc2l0IGFtZXQgY29uc2VjdGU=\n';
  const note = signNote(text, signer);
  assert.equal(openNote(note, [verifier]).text, text);

  // Tampered text: the known key's signature no longer verifies.
  assert.equal(
    code(() => openNote(note.replace('\n42\n', '\n43\n'), [verifier])),
    'invalid-signature',
  );
  // Another key under the same name has another key ID: its note is simply not ours.
  const other = ed25519Verifier('custos.example/audit', b.publicKey);
  assert.notEqual(other.keyId, verifier.keyId);
  assert.equal(
    code(() => openNote(note, [other])),
    'unverified-note',
  );
  // A verifier claiming our name and key ID with another public key fails the signature.
  const impostor: NoteVerifier = { name: verifier.name, keyId: verifier.keyId, verify: other.verify };
  assert.equal(
    code(() => openNote(note, [impostor])),
    'invalid-signature',
  );
  // Truncated signature: still base64 (a shorter signature) or no longer base64.
  const sigLine = note.slice(note.indexOf('— '));
  const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);
  assert.equal(
    code(() => openNote(note.replace(b64, b64.slice(0, -4)), [verifier])),
    'invalid-signature',
  );
  assert.equal(
    code(() => openNote(note.replace(b64, b64.slice(0, -1)), [verifier])),
    'malformed-note',
  );
  // A second, unknown signature is ignored; listed as unverified.
  const cosigned = signNote(text, [signer, ed25519Signer('witness.example/w1', b.privateKey)]);
  const opened = openNote(cosigned, [verifier]);
  assert.equal(opened.verified.length, 1);
  assert.deepEqual(
    opened.unverified.map((s) => s.name),
    ['witness.example/w1'],
  );
  // Duplicate lines: a repeated valid signature counts once; a repeated line after a tampered
  // one is still checked (stricter than Go, which skips repeats of a verified key).
  assert.equal(openNote(`${note}${sigLine}`, [verifier]).verified.length, 1);
  const tampered = sigLine.replace(b64, `${b64.slice(0, 10)}${b64[10] === 'A' ? 'B' : 'A'}${b64.slice(11)}`);
  assert.equal(
    code(() => openNote(`${note}${tampered}`, [verifier])),
    'invalid-signature',
  );
});

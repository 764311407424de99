import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { subjectKeysFor } from '../../src/audit/subjects.ts';
import { createKeyedBlake2s, keyedBlake2s } from '../../src/masking/blake2s.ts';
import { createX4 } from '../../src/masking/blake2s-x4.ts';
import { compileProfile } from '../../src/masking/compile.ts';
import { profileSchema } from '../../src/masking/config.ts';
import { maskJson, maskText } from '../../src/masking/engine.ts';
import { findingHashKey } from '../../src/masking/keys.ts';
import { TEST_KEYS } from './helpers.ts';

// The BLAKE2 reference's keyed known answers (github.com/BLAKE2/BLAKE2, testvectors/blake2s-test.txt,
// CC0): key 00 01 … 1f, message 00 01 … of the given length, BLAKE2s-256. Lengths around each
// block boundary: empty (the key block is the final block), one block exactly, one byte over.
const KAT_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const KAT: [number, string][] = [
  [0, '48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49'],
  [1, '40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1'],
  [2, '6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803'],
  [3, '1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b'],
  [4, 'f6c3fbadb4cc687a0064a5be6e791bec63b868ad62fba61b3757ef9ca52e05b2'],
  [5, '49c1f21188dfd769aea0e911dd6b41f14dab109d2b85977aa3088b5c707e8598'],
  [31, 'b6156f72d380ee9ea6acd190464f2307a5c179ef01fd71f99f2d0f7a57360aea'],
  [32, 'c03bc642b20959cbe133a0303e0c1abff3e31ec8e1a328ec8565c36decff5265'],
  [33, '2c3e08176f760c6264c3a2cd66fec6c3d78de43fc192457b2a4a660a1e0eb22b'],
  [55, 'f16012d93f28851a1eb989f5d0b43f3f39ca73c9a62d5181bff237536bd348c3'],
  [56, '2966b3cfae1e44ea996dc5d686cf25fa053fb6f67201b9e46eade85d0ad6b806'],
  [57, 'ddb8782485e900bc60bcf4c33a6fd585680cc683d516efa03eb9985fad8715fb'],
  [63, 'c65382513f07460da39833cb666c5ed82e61b9e998f4b0c4287cee56c3cc9bcd'],
  [64, '8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4'],
  [65, '21fe0ceb0052be7fb0f004187cacd7de67fa6eb0938d927677f2398c132317a8'],
  [66, '2ef73f3c26f12d93889f3c78b6a66c1d52b649dc9e856e2c172ea7c58ac2b5e3'],
  [71, '3da29126c7c5d7f43e64242a79feaa4ef3459cdeccc898ed59a97f6ec93b9dab'],
  [72, '566dc920293da5cb4fe0aa8abda8bbf56f552313bff19046641e3615c1e3ed3f'],
  [80, '30f3548370cfdceda5c37b569b6175e799eef1a62aaa943245ae7669c227a7b5'],
  [100, 'c376617014d20158bced3d3ba552b6eccf84e62aa3eb650e90029c84d13eea69'],
  [118, 'ecc203a7fe2be4abd55bb53e6e673572e0078da8cd375ef430cc97f9f80083af'],
  [127, 'ddbfea75cc467882eb3483ce5e2e756a4f4701b76b445519e89f22d60fa86e06'],
  [128, '0c311f38c35a4fb90d651c289d486856cd1413df9b0677f53ece2cd9e477c60a'],
  [129, '46a73a8dd3e70f59d3942c01df599def783c9da82fd83222cd662b53dce7dbdf'],
  [130, 'ad038ff9b14de84a801e4e621ce5df029dd93520d0c2fa38bff176a8b1d1698c'],
  [160, '156d5747d0c99c7f27097d7b7e002b2e185cb72d8dd7eb424a0321528161219f'],
  [255, '3fb735061abc519dfe979e54c1ee5bfad0a9d858b3315bad34bde999efd724dd'],
];
const katMessage = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i));

/** Latin-1 text whose UTF-8 bytes are 00 01 … (n − 1) for n ≤ 128: the KAT message as a string. */
const katString = (n: number): string => String.fromCharCode(...katMessage(n));

describe('keyed BLAKE2s-256 (RFC 7693)', () => {
  test("matches the BLAKE2 reference's keyed known answers, bytes and strings", () => {
    const hasher = createKeyedBlake2s(KAT_KEY);
    for (const [n, hex] of KAT) {
      assert.equal(keyedBlake2s(KAT_KEY, katMessage(n)).toString('hex'), hex, `bytes, length ${n}`);
      if (n <= 128) assert.equal(hasher.hash(katString(n)), hex, `string, length ${n}`);
    }
    assert.deepEqual(
      hasher.hashAll(KAT.filter(([n]) => n <= 128).map(([n]) => katString(n))),
      KAT.filter(([n]) => n <= 128).map(([, hex]) => hex),
    );
  });

  test('all 256 known-answer messages agree with an independent implementation', () => {
    // SHA-256 over the 256 digests of the reference's messages (lengths 0 … 255) under its key,
    // computed with CPython's hashlib.blake2s(message, key=key): the file's own answers, checked
    // above where they are quoted, and every length in between.
    const all = createHash('sha256');
    for (let n = 0; n < 256; n++) all.update(keyedBlake2s(KAT_KEY, katMessage(n)));
    assert.equal(all.digest('hex'), '8ae17a963349019d1c56c0b7834abbbb1639980ef84b6a0438326402db47f02f');
  });

  test("without a key is node:crypto's blake2s256, for any length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        assert.equal(
          keyedBlake2s(new Uint8Array(0), data).toString('hex'),
          createHash('blake2s256').update(data).digest('hex'),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('a string hashes as its UTF-8 bytes, one value or many, scalar or four per SIMD pass', () => {
    // This runtime runs the WebAssembly module: what follows tests it, not only the scalar code.
    assert.notEqual(createX4(new Int32Array(8)), undefined);
    const key = randomBytes(32);
    const hasher = createKeyedBlake2s(key);
    const scalar = createKeyedBlake2s(key, { simd: false });
    const reference = (s: string): string => keyedBlake2s(key, Buffer.from(s, 'utf8')).toString('hex');
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'grapheme', maxLength: 150 }),
            fc.string({ maxLength: 70 }),
            fc.string({ unit: 'binary', maxLength: 40 }),
          ),
          { maxLength: 12 },
        ),
        (values) => {
          const expected = values.map(reference);
          assert.deepEqual(hasher.hashAll(values), expected);
          assert.deepEqual(scalar.hashAll(values), expected);
          for (let i = 0; i < values.length; i++) assert.equal(hasher.hash(values[i] as string), expected[i]);
        },
      ),
      { numRuns: 300 },
    );
    // ASCII at and around the one-block limit, and past the 1 KB scratch buffer.
    for (const n of [0, 1, 3, 4, 5, 63, 64, 65, 128, 129, 400, 2000])
      assert.equal(hasher.hash('x'.repeat(n)), reference('x'.repeat(n)), String(n));
    // More values at once than the first buffers hold, and than one decoded chunk (1,024); every
    // count of values in the last group of four; one-block values among others that are not.
    const many = Array.from({ length: 3000 }, (_, i) =>
      i % 97 === 0 ? '' : i % 89 === 0 ? `ü${i}${'x'.repeat(70)}` : `customer${i}@example.com`,
    );
    const hashes = hasher.hashAll(many);
    assert.deepEqual(scalar.hashAll(many), hashes);
    assert.equal(new Set(hashes).size, many.length - Math.floor(2999 / 97));
    for (const i of [0, 1, 89, 1023, 1024, 2047, 2048, 2999])
      assert.equal(hashes[i], reference(many[i] as string));
    for (let n = 0; n <= 9; n++)
      assert.deepEqual(hasher.hashAll(many.slice(0, n)), hashes.slice(0, n), String(n));
  });

  test('refuses keys it was not built for', () => {
    assert.throws(() => createKeyedBlake2s(new Uint8Array(8)), RangeError);
    assert.throws(() => createKeyedBlake2s(new Uint8Array(33)), RangeError);
    assert.throws(() => keyedBlake2s(new Uint8Array(33), new Uint8Array(1)), RangeError);
  });
});

describe('finding hashes', () => {
  const findingKey = createHmac('sha256', TEST_KEYS.hmacKey).update('custos finding hash v2').digest();
  const expected = (normal: string): string =>
    keyedBlake2s(findingKey, Buffer.from(normal, 'utf8')).toString('hex');

  test('are keyed BLAKE2s of the normal form under a key derived from the deployment key', () => {
    assert.deepEqual(findingHashKey(TEST_KEYS.hmacKey), findingKey);
    const profile = compileProfile(profileSchema.parse({}), TEST_KEYS);
    const { findings } = maskJson(
      { email: 'Jane.Doe@Example.COM', name: 'Zoë  Ångström', notes: 'call +49 30 1234-5678' },
      profile,
    );
    assert.deepEqual(
      findings.map((f) => [f.type, f.valueHash]),
      [
        ['EMAIL', expected('jane.doe@example.com')],
        ['PERSON', expected('zoë ångström')],
        ['PHONE', expected('493012345678')],
      ],
    );
    assert.equal(profile.hash('jane.doe@example.com'), expected('jane.doe@example.com'));
  });

  test('differ from the pseudonym, which stays the HMAC-SHA256 of the normal form', () => {
    const profile = compileProfile(profileSchema.parse({ entities: { EMAIL: 'pseudonym' } }), TEST_KEYS);
    const { text, findings } = maskText('write to Jane.Doe@Example.com', profile);
    const hmac = createHmac('sha256', TEST_KEYS.hmacKey).update('jane.doe@example.com').digest('hex');
    assert.equal(text, `write to EMAIL_${hmac.slice(0, 8)}`);
    assert.equal(findings[0]?.valueHash, expected('jane.doe@example.com'));
    assert.notEqual(findings[0]?.valueHash.slice(0, 8), hmac.slice(0, 8));
  });

  test('are the keys a data-subject search looks up', () => {
    const profile = compileProfile(profileSchema.parse({}), TEST_KEYS);
    const { findings } = maskJson(
      {
        customer: {
          email: 'Jane.Doe@Example.com',
          phone: '+49 30 1234 5678',
          iban: 'DE89 3704 0044 0532 0130 00',
        },
      },
      profile,
    );
    for (const [typed, f] of [
      ['jane.doe@example.com', findings[0]],
      ['+49 (30) 1234-5678', findings[1]],
      ['DE89370400440532013000', findings[2]],
    ] as const)
      assert.deepEqual(subjectKeysFor(typed, profile).keys, [Buffer.from(f?.valueHash ?? '', 'hex')], typed);
  });

  test('every finding of a call gets its own value’s hash, repeated values alike', () => {
    const profile = compileProfile(profileSchema.parse({}), TEST_KEYS);
    const emails = Array.from({ length: 40 }, (_, i) => `person${i % 25}@example.org`);
    const { findings } = maskJson({ customers: emails.map((email) => ({ email })) }, profile);
    assert.deepEqual(
      findings.map((f) => f.valueHash),
      emails.map(expected),
    );
  });
});

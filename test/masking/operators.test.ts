import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { keyedBlake2s } from '../../src/masking/blake2s.ts';
import { compileProfile } from '../../src/masking/compile.ts';
import { profileSchema } from '../../src/masking/config.ts';
import { maskJson, maskText } from '../../src/masking/engine.ts';
import { createKeyedHash } from '../../src/masking/hmac.ts';
import { findingHashKey } from '../../src/masking/keys.ts';
import { applyOperator, partial } from '../../src/masking/operators.ts';
import { TEST_KEYS } from './helpers.ts';

describe('keyed hash of pseudonyms', () => {
  test('is HMAC-SHA256 for any key length and any string (node:crypto as the reference)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (key, value) => {
          const k = Buffer.from(key);
          assert.equal(createKeyedHash(k)(value), createHmac('sha256', k).update(value).digest('hex'));
        },
      ),
      { numRuns: 500 },
    );
    const h = createKeyedHash(Buffer.alloc(32, 1));
    for (const len of [0, 55, 56, 63, 64, 119, 120, 500])
      assert.equal(
        h('x'.repeat(len)),
        createHmac('sha256', Buffer.alloc(32, 1)).update('x'.repeat(len)).digest('hex'),
        String(len),
      );
  });
});

describe('operators', () => {
  test('redact names the type', () => {
    assert.equal(
      applyOperator('redact', 'EMAIL', 'a@example.com', 'ff'.repeat(32), undefined, undefined),
      '[EMAIL]',
    );
  });

  test('partial keeps what identifies the kind of value, never the value', () => {
    assert.equal(partial('EMAIL', 'jane.doe@example.com'), 'j***@example.com');
    assert.equal(partial('CREDIT_CARD', '4111 1111 1111 1234'), '**** **** **** 1234');
    assert.equal(partial('IBAN', 'DE89 3704 0044 0532 0130 00'), 'DE** **** **** **** **30 00');
    assert.equal(partial('PHONE', '+49 30 1234 5612'), '+49 *** ***12');
    assert.equal(partial('PHONE', '030 12345612'), '*** ***12');
    assert.equal(partial('DATE_OF_BIRTH', '1985-03-12'), '1985-**-**');
    assert.equal(partial('IP_ADDRESS', '192.168.10.20', 'IPV4'), '192.168.*.*');
    assert.equal(partial('MAC_ADDRESS', '00:1a:2b:3c:4d:5e'), '00:1a:2b:**:**:**');
    assert.equal(partial('PERSON', 'Anna Maria Weber'), 'A. M. W.');
    assert.equal(partial('NATIONAL_ID', '86095742719'), '*********19');
  });

  test('pseudonym is a keyed token, stable for one key, different under another', () => {
    const a = compileProfile(profileSchema.parse({ entities: { EMAIL: 'pseudonym' } }), TEST_KEYS);
    const b = compileProfile(profileSchema.parse({ entities: { EMAIL: 'pseudonym' } }), {
      hmacKey: randomBytes(32),
    });
    const one = maskText('mail Jane.Doe@Example.com', a).text;
    assert.match(one, /^mail EMAIL_[0-9a-f]{8}$/);
    // Normalised before hashing: the same mailbox in another case is the same pseudonym.
    assert.equal(maskText('mail jane.doe@example.com', a).text, one);
    assert.notEqual(maskText('mail jane.doe@example.com', b).text, one);
  });

  test('encrypt uses the key source and falls back to redact without one', () => {
    const encrypt = (value: string, hash: string): string =>
      Buffer.from(`${hash.slice(0, 4)}:${value}`).toString('base64url');
    const withKey = compileProfile(profileSchema.parse({ entities: { IBAN: 'encrypt' } }), {
      ...TEST_KEYS,
      encrypt,
    });
    const without = compileProfile(profileSchema.parse({ entities: { IBAN: 'encrypt' } }), TEST_KEYS);
    const text = 'IBAN DE89370400440532013000';
    const masked = maskText(text, withKey).text;
    assert.match(masked, /^IBAN enc:v1:[\w-]+$/);
    assert.ok(
      Buffer.from(masked.slice('IBAN enc:v1:'.length), 'base64url')
        .toString()
        .endsWith(':DE89370400440532013000'),
    );
    assert.equal(maskText(text, without).text, 'IBAN [IBAN]');
  });

  test('keep leaves the value and still reports it', () => {
    const keep = compileProfile(profileSchema.parse({ entities: { EMAIL: 'keep' } }), TEST_KEYS);
    const { text, findings } = maskText('to jane@example.com', keep);
    assert.equal(text, 'to jane@example.com');
    assert.deepEqual(
      findings.map((f) => [f.type, f.operator]),
      [['EMAIL', 'keep']],
    );
  });

  test('findings carry the keyed hash of the normalised value: lower-case e-mail, digits of phone, card and IBAN', () => {
    const profile = compileProfile(profileSchema.parse({}), TEST_KEYS);
    const key = findingHashKey(TEST_KEYS.hmacKey);
    const hash = (v: string): string => keyedBlake2s(key, Buffer.from(v)).toString('hex');
    const { findings } = maskJson(
      {
        email: 'Jane.Doe@Example.COM',
        phone: '+49 30 1234-5678',
        card: '4111 1111 1111 1111',
        iban: 'de89 3704 0044 0532 0130 00',
      },
      profile,
    );
    assert.deepEqual(
      findings.map((f) => f.valueHash),
      [
        hash('jane.doe@example.com'),
        hash('493012345678'),
        hash('4111111111111111'),
        hash('DE89370400440532013000'),
      ],
    );
  });
});

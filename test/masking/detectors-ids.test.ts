import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidIBAN } from 'ibantools';
import { createRandom } from '../../demo/crm/random.ts';
import { validIban } from '../../src/masking/detectors/iban.ts';
import { nhsValid } from '../../src/masking/detectors/national-id.ts';
import {
  group4,
  IBAN_COUNTRIES,
  makeCard,
  makeIban,
  makeNationalId,
  NATIONAL_ID_SCHEMES,
} from './generators.ts';
import { found, typesIn } from './helpers.ts';

// Checksum-validated detectors: each must find generated valid values and must not find the same
// shapes with one check digit changed.

describe('IBAN', () => {
  test('every country ibantools knows, compact and grouped', () => {
    const r = createRandom(1);
    for (const country of IBAN_COUNTRIES) {
      const iban = makeIban(r, country) as string;
      assert.deepEqual(found(`Pay to ${iban} today`), [`IBAN/${country}:${iban}`], country);
      assert.deepEqual(found(`IBAN: ${group4(iban)}.`), [`IBAN/${country}:${group4(iban)}`], country);
    }
  });

  test('a wrong check digit, an unknown country or a wrong length is not an IBAN (nor a card inside one)', () => {
    for (const text of [
      'DE89 3704 0044 0532 0130 01',
      'DE88 3704 0044 0532 0130 00',
      'XX89 3704 0044 0532 0130 00',
      'DE89 3704 0044 0532 0130',
    ])
      assert.deepEqual(found(text), [], text);
    assert.deepEqual(found('DE89370400440532013000'), ['IBAN/DE:DE89370400440532013000']);
  });

  test('the fast validation agrees with ibantools', () => {
    const r = createRandom(2);
    for (let i = 0; i < 300; i++) {
      const iban = makeIban(r, r.pick(IBAN_COUNTRIES)) as string;
      const broken = iban.slice(0, -1) + ((Number(iban.at(-1)) + 1) % 10 || 'A');
      for (const candidate of [iban, broken])
        assert.equal(validIban(candidate) !== undefined, isValidIBAN(candidate), candidate);
    }
  });
});

describe('CREDIT_CARD', () => {
  test('Luhn-valid numbers of the major networks, grouped or not', () => {
    const r = createRandom(3);
    for (let i = 0; i < 50; i++) {
      const card = makeCard(r);
      assert.deepEqual(typesIn(`card ${card} exp 12/29`), ['CREDIT_CARD'], card);
      assert.deepEqual(typesIn(`card ${group4(card)}`), ['CREDIT_CARD'], card);
    }
    assert.deepEqual(found('4111-1111-1111-1111'), ['CREDIT_CARD:4111-1111-1111-1111']);
  });

  test('a failed Luhn check, a non-card prefix or too few digits is not a card', () => {
    assert.deepEqual(typesIn('4111 1111 1111 1112'), []);
    assert.deepEqual(typesIn('1111 1111 1111 1117'), []);
    assert.deepEqual(typesIn('4111 1111 113'), []);
    assert.deepEqual(typesIn('order 79927398713'), []);
  });
});

describe('NATIONAL_ID', () => {
  test('every scheme, generated with valid check digits', () => {
    const r = createRandom(4);
    for (const scheme of NATIONAL_ID_SCHEMES)
      for (let i = 0; i < 20; i++) {
        const id = makeNationalId(r, scheme);
        assert.deepEqual(found(`ID ${id}, thanks`), [`NATIONAL_ID/${scheme}:${id}`], `${scheme} ${id}`);
      }
  });

  test('written forms: grouped Steuer-ID, NIR with spaces, SSN, personnummer with century', () => {
    assert.deepEqual(found('Steuer-ID 86 095 742 719'), ['NATIONAL_ID/DE_STEUER_ID:86 095 742 719']);
    assert.deepEqual(found('NIR 2 55 08 14 168 025 38'), ['NATIONAL_ID/FR_NIR:2 55 08 14 168 025 38']);
    assert.deepEqual(found('SSN 536-22-8726'), ['NATIONAL_ID/US_SSN:536-22-8726']);
    assert.deepEqual(found('pnr 19811218-9876'), ['NATIONAL_ID/SE_PERSONNUMMER:19811218-9876']);
    assert.deepEqual(found('NHS 943 476 5919'), ['NATIONAL_ID/GB_NHS:943 476 5919']);
  });

  test('one check digit off is not an identifier (it may still be a phone number)', () => {
    const lookAlikes = [
      '86095742718', // Steuer-ID
      '2 55 08 14 168 025 39', // NIR
      '12345678A', // DNI (Z expected)
      'X1234567A', // NIE (L expected)
      'RSSMRA85T10A562T', // codice fiscale (S expected)
      '111222334', // BSN
      '44051401358', // PESEL
      '811218-9875', // personnummer
      'QQ 12 34 56 C', // NINO: QQ is not an allocated prefix
      '943 476 5918', // NHS
      '000-12-3456', // SSN: area 000
      '666-12-3456', // SSN: area 666
    ];
    for (const text of lookAlikes) assert.ok(!typesIn(`no ${text} here`).includes('NATIONAL_ID'), text);
  });

  test('digits after a calling code belong to the phone number, even when a checksum fits', () => {
    assert.deepEqual(found('call +48 505 491 424 now'), ['PHONE/PL:+48 505 491 424']);
  });

  test('the NHS check rejects a remainder of 10', () => {
    assert.equal(nhsValid('9434765919'), true);
    assert.equal(nhsValid('9434765918'), false);
    assert.equal(nhsValid('1000000010'), false);
  });
});

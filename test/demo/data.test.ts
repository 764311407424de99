// The generated customers: deterministic, and every identifier valid for its own country.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bsnCheckDigit,
  codiceFiscaleCheckChar,
  dniLetter,
  isValidIbanChecksum,
  luhnCheckDigit,
  nirKey,
  peselCheckDigit,
  steuerIdCheckDigit,
} from '../../demo/crm/checksums.ts';
import { type Customer, generateCustomers } from '../../demo/crm/data.ts';
import { IBAN_LENGTHS } from '../../demo/crm/ibans.ts';
import { CrmStore } from '../../demo/crm/store.ts';

const customers = generateCustomers();

test('200 customers by default, ids cus_0001…, unique e-mails on example domains', () => {
  assert.equal(customers.length, 200);
  assert.equal(customers[0]?.id, 'cus_0001');
  assert.equal(customers[199]?.id, 'cus_0200');
  const emails = new Set(customers.map((c) => c.email));
  assert.equal(emails.size, customers.length);
  for (const { email } of customers) assert.match(email, /^[a-z.0-9]+@example\.(com|org|net)$/);
});

test('the same seed gives the same customers; another seed gives others', () => {
  assert.deepEqual(generateCustomers({ count: 50 }), customers.slice(0, 50));
  assert.notDeepEqual(generateCustomers({ count: 50, seed: 7 }), customers.slice(0, 50));
});

test('all seven countries occur', () => {
  assert.deepEqual(
    new Set(customers.map((c) => c.address.country)),
    new Set(['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'SE']),
  );
});

const PHONE_PREFIX = {
  DE: '+49 ',
  FR: '+33 ',
  ES: '+34 ',
  IT: '+39 ',
  NL: '+31 ',
  PL: '+48 ',
  SE: '+46 ',
} as const;
const POSTAL_CODE = {
  DE: /^\d{5}$/,
  FR: /^\d{5}$/,
  ES: /^\d{5}$/,
  IT: /^\d{5}$/,
  NL: /^\d{4} [A-Z]{2}$/,
  PL: /^\d{2}-\d{3}$/,
  SE: /^\d{3} \d{2}$/,
} as const;

test('IBANs have valid MOD 97 check digits and the registry length; phones and postal codes fit the country', () => {
  for (const c of customers) {
    const country = c.address.country;
    assert.ok(isValidIbanChecksum(c.iban), c.iban);
    assert.equal(c.iban.slice(0, 2), country);
    assert.equal(c.iban.length, IBAN_LENGTHS[country], c.iban);
    assert.ok(c.phone.startsWith(PHONE_PREFIX[country]), c.phone);
    assert.match(c.phone, /^\+\d{2}( \d+)+$/);
    assert.match(c.address.postalCode, POSTAL_CODE[country]);
    assert.match(c.dateOfBirth, /^(19[5-9]\d|200[0-5])-\d{2}-\d{2}$/);
  }
});

const yymmdd = (c: Customer): string => c.dateOfBirth.slice(2).replaceAll('-', '');

function assertNationalId(c: Customer): void {
  const { type, value } = c.nationalId;
  assert.equal(c.nationalId.country, c.address.country);
  switch (type) {
    case 'steuer-idnr': {
      assert.match(value, /^[1-9]\d{10}$/);
      assert.equal(steuerIdCheckDigit(value.slice(0, 10)), Number(value[10]));
      const counts = new Map<string, number>();
      for (const d of value.slice(0, 10)) counts.set(d, (counts.get(d) ?? 0) + 1);
      assert.equal(counts.size, 9, `${value}: exactly one digit repeated, one missing`);
      break;
    }
    case 'bsn':
      assert.match(value, /^\d{9}$/);
      assert.equal(bsnCheckDigit(value.slice(0, 8)), Number(value[8]));
      break;
    case 'pesel': {
      assert.match(value, /^\d{11}$/);
      assert.equal(peselCheckDigit(value.slice(0, 10)), Number(value[10]));
      const year = Number(c.dateOfBirth.slice(0, 4));
      const month = Number(value.slice(2, 4)) - (year >= 2000 ? 20 : 0);
      assert.equal(`${value.slice(0, 2)}${String(month).padStart(2, '0')}${value.slice(4, 6)}`, yymmdd(c));
      break;
    }
    case 'personnummer':
      assert.match(value, /^\d{6}-\d{4}$/);
      assert.equal(value.slice(0, 6), yymmdd(c));
      assert.equal(luhnCheckDigit(value.replace('-', '').slice(0, 9)), Number(value[10]));
      break;
    case 'dni':
      assert.match(value, /^\d{8}[A-Z]$/);
      assert.equal(dniLetter(value.slice(0, 8)), value[8]);
      break;
    case 'nir':
      assert.match(value, /^[12]\d{14}$/);
      assert.equal(nirKey(value.slice(0, 13)), Number(value.slice(13)));
      assert.equal(value.slice(1, 5), yymmdd(c).slice(0, 4));
      break;
    case 'codice-fiscale':
      assert.match(value, /^[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]$/);
      assert.equal(codiceFiscaleCheckChar(value.slice(0, 15)), value[15]);
      break;
    default:
      assert.fail(`unexpected national id type ${type satisfies never}`);
  }
}

test('every national id has a valid checksum and agrees with the birth date', () => {
  for (const c of customers) assertNationalId(c);
});

test('customerBytes returns a JSON array just over the requested size', () => {
  const store = new CrmStore({ customers: 10 });
  for (const bytes of [0, 1, 500, 10_000, 100_000]) {
    const json = store.customerBytes(bytes);
    const size = Buffer.byteLength(json);
    const parsed = JSON.parse(json) as Customer[];
    assert.ok(size > bytes, `${size} > ${bytes}`);
    // Just over: dropping the last record would fall to or under the target.
    if (parsed.length > 0) {
      const withoutLast = Buffer.byteLength(JSON.stringify(parsed.slice(0, -1)));
      assert.ok(withoutLast <= bytes, `${withoutLast} <= ${bytes}`);
    }
  }
});

test('search pages with an opaque cursor', () => {
  const store = new CrmStore();
  const first = store.search('', 150);
  assert.equal(first.customers.length, 150);
  assert.equal(first.total, 200);
  assert.ok(first.nextCursor);
  const second = store.search('', 150, first.nextCursor);
  assert.equal(second.customers.length, 50);
  assert.equal(second.nextCursor, undefined);
  assert.throws(() => store.search('', 10, 'bogus'), RangeError);
});

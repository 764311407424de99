// Check-digit functions against example numbers published by the schemes' own documentation,
// Wikipedia and python-stdnum's doctests, plus a one-digit mutation of each that must fail.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bsnCheckDigit,
  codiceFiscaleCheckChar,
  dniLetter,
  ibanCheckDigits,
  isValidIbanChecksum,
  italianCin,
  luhnCheckDigit,
  nirKey,
  peselCheckDigit,
  ribKey,
  spanishAccountDc,
  steuerIdCheckDigit,
} from '../../demo/crm/checksums.ts';
import { codiceFiscale } from '../../demo/crm/national-ids.ts';

const lastDigit = (value: string): number => Number(value.at(-1));

test('DE Steuer-IdNr: ISO 7064 MOD 11,10 (examples 36574261809, 86095742719, 65929970489)', () => {
  for (const example of ['36574261809', '86095742719', '65929970489']) {
    assert.equal(steuerIdCheckDigit(example.slice(0, 10)), lastDigit(example), example);
  }
  assert.notEqual(steuerIdCheckDigit('3657426181'), 9);
});

test('NL BSN: 11-proof (Wikipedia examples 111222333, 123456782)', () => {
  assert.equal(bsnCheckDigit('11122233'), 3);
  assert.equal(bsnCheckDigit('12345678'), 2);
  assert.notEqual(bsnCheckDigit('11122234'), 3);
});

test('PL PESEL: weights 1-3-7-9 (Wikipedia example 44051401359)', () => {
  assert.equal(peselCheckDigit('4405140135'), 9);
  assert.notEqual(peselCheckDigit('4405140136'), 9);
});

test('SE personnummer: Luhn (Wikipedia 811218-9876, python-stdnum 880320-0016)', () => {
  assert.equal(luhnCheckDigit('811218987'), 6);
  assert.equal(luhnCheckDigit('880320001'), 6);
  assert.notEqual(luhnCheckDigit('811218988'), 6);
  // The general Luhn example from ISO/IEC 7812 (Wikipedia): 7992739871 → 3.
  assert.equal(luhnCheckDigit('7992739871'), 3);
});

test('ES DNI: number mod 23 letter (12345678Z, python-stdnum 54362315K)', () => {
  assert.equal(dniLetter('12345678'), 'Z');
  assert.equal(dniLetter('54362315'), 'K');
  assert.notEqual(dniLetter('12345679'), 'Z');
});

test('FR NIR: key = 97 - n mod 97 (python-stdnum 2 95 10 99 126 111 93)', () => {
  assert.equal(nirKey('2951099126111'), 93);
  assert.notEqual(nirKey('2951099126112'), 93);
});

test('IT codice fiscale: check character (Wikipedia RSSMRA85T10A562S, python-stdnum RCCMNL83S18D969H)', () => {
  assert.equal(codiceFiscaleCheckChar('RSSMRA85T10A562'), 'S');
  assert.equal(codiceFiscaleCheckChar('RCCMNL83S18D969'), 'H');
  assert.notEqual(codiceFiscaleCheckChar('RSSMRA85T11A562'), 'S');
});

test('IT codice fiscale: the whole code of the Wikipedia example is rebuilt from name, date and place', () => {
  const code = codiceFiscale({
    firstName: 'Mario',
    lastName: 'Rossi',
    sex: 'male',
    dateOfBirth: '1985-12-10',
    birthCode: 'A562',
  });
  assert.equal(code, 'RSSMRA85T10A562S');
});

test('IBAN: MOD 97-10 on the Wikipedia / ECBS example IBANs', () => {
  const examples = [
    'DE89370400440532013000',
    'FR1420041010050500013M02606',
    'ES9121000418450200051332',
    'IT60X0542811101000000123456',
    'NL91ABNA0417164300',
    'PL61109010140000071219812874',
    'SE4550000000058398257466',
    'GB82 WEST 1234 5698 7654 32',
  ];
  for (const iban of examples) assert.ok(isValidIbanChecksum(iban), iban);
  assert.equal(ibanCheckDigits('DE', '370400440532013000'), '89');
  assert.equal(isValidIbanChecksum('DE89370400440532013001'), false);
  assert.equal(isValidIbanChecksum('DE98370400440532013000'), false);
});

test('BBAN national keys: FR RIB key, IT CIN, ES DC (from the example IBANs above)', () => {
  assert.equal(ribKey('20041', '01005', '0500013M026'), 6);
  assert.equal(italianCin('0542811101000000123456'), 'X');
  assert.equal(spanishAccountDc('2100', '0418', '0200051332'), '45');
  assert.notEqual(spanishAccountDc('2100', '0418', '0200051333'), '45');
});

test('generated Polish IBANs carry a valid sort-code check digit (ibantools agrees)', async () => {
  const { isValidIBAN } = await import('ibantools');
  const { generateIban } = await import('../../demo/crm/ibans.ts');
  const { createRandom } = await import('../../demo/crm/random.ts');
  const r = createRandom(11);
  for (let i = 0; i < 200; i++) assert.ok(isValidIBAN(generateIban(r, 'PL')));
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { createRandom } from '../../demo/crm/random.ts';
import { compilePhoneValidator } from '../../src/masking/detectors/phone.ts';
import { makeEmail, makePhone, PHONE_REGIONS } from './generators.ts';
import { found, typesIn } from './helpers.ts';

describe('EMAIL', () => {
  test('addresses in prose, with tags, subdomains and trailing punctuation', () => {
    const r = createRandom(10);
    for (let i = 0; i < 50; i++) {
      const email = makeEmail(r);
      assert.deepEqual(found(`Write to <${email}>.`), [`EMAIL:${email}`]);
    }
    assert.deepEqual(found('mail jane.doe+crm@mail.example.co.uk, thanks'), [
      'EMAIL:jane.doe+crm@mail.example.co.uk',
    ]);
  });

  test('look-alikes: no TLD, one-letter TLD, double dot, empty local part, numeric TLD', () => {
    for (const text of [
      'root@localhost',
      'a@b.c',
      'john..doe@example.com',
      '@example.com',
      'x@10.0.0.1',
      'user@-example.com',
    ])
      assert.ok(!typesIn(text).includes('EMAIL'), text);
  });
});

describe('PHONE', () => {
  test('international and national formats of every default region', () => {
    const r = createRandom(11);
    for (const region of PHONE_REGIONS) {
      const phone = makePhone(r, region, false);
      assert.deepEqual(found(`Call ${phone} today`), [`PHONE/${region}:${phone}`], `${region} ${phone}`);
      // A national number fits several plans (06 12 34 56 78 is French and German): the first
      // configured region it fits names it.
      const national = makePhone(r, region, true);
      assert.deepEqual(
        found(`Call ${national} today`).map((f) => f.replace(/\/[A-Z]{2}:/, ':')),
        [`PHONE:${national}`],
      );
    }
  });

  test('written forms: 00 prefix, (0) after the country code, slashes, dots, context for bare numbers', () => {
    assert.deepEqual(found('Tel. 0049 30 12345678'), ['PHONE/DE:0049 30 12345678']);
    assert.deepEqual(found('+49 (0)30 1234 5678'), ['PHONE/DE:+49 (0)30 1234 5678']);
    assert.deepEqual(found('Telefon 030/12345678'), ['PHONE/DE:030/12345678']);
    assert.deepEqual(typesIn('tél 06.12.34.56.78'), ['PHONE']);
    assert.deepEqual(found('teléfono: 612345678'), ['PHONE/ES:612345678']);
    assert.deepEqual(found('invoice 612345678'), []);
  });

  test('look-alikes: too short, unassigned calling code, impossible area code, dates, amounts', () => {
    for (const text of [
      '+49 123',
      '+999 1234 5678',
      '+1 123 456 7890',
      'on 2024-11-25',
      'on 25.11.2024',
      'EUR 1,234,567.89',
      'v1.2.3.4567',
    ])
      assert.ok(!typesIn(text).includes('PHONE'), text);
  });

  test('the compiled validator agrees with libphonenumber on generated numbers and near misses', () => {
    const validator = compilePhoneValidator();
    const r = createRandom(12);
    for (let i = 0; i < 300; i++) {
      const region = r.pick(PHONE_REGIONS);
      const phone = makePhone(r, region, false);
      assert.equal(validator.validate(phone, false)?.region, region, phone);
      const cut = phone.slice(0, -2);
      assert.equal(validator.validate(cut, false) !== undefined, isValidPhoneNumber(cut), cut);
    }
  });
});

describe('IP_ADDRESS and MAC_ADDRESS', () => {
  test('IPv4, IPv6 (full, compressed, with zone) and MAC in three notations', () => {
    assert.deepEqual(found('from 192.168.10.20:443'), ['IP_ADDRESS/IPV4:192.168.10.20']);
    assert.deepEqual(found('via 2001:db8:85a3::8a2e:370:7334 ok'), [
      'IP_ADDRESS/IPV6:2001:db8:85a3::8a2e:370:7334',
    ]);
    assert.deepEqual(found('link fe80::1%eth0 up'), ['IP_ADDRESS/IPV6:fe80::1%eth0']);
    assert.deepEqual(found('nic 00:1A:2b:3c:4D:5e'), ['MAC_ADDRESS:00:1A:2b:3c:4D:5e']);
    assert.deepEqual(found('nic 00-1a-2b-3c-4d-5e'), ['MAC_ADDRESS:00-1a-2b-3c-4d-5e']);
    assert.deepEqual(found('nic 001a.2b3c.4d5e'), ['MAC_ADDRESS:001a.2b3c.4d5e']);
  });

  test('look-alikes: octets over 255, versions, times, five or seven MAC groups', () => {
    for (const text of [
      '256.1.1.1',
      'v1.2.3',
      'at 12:30:45',
      '1.2.3.4.5',
      '00:1a:2b:3c:4d',
      '00:1a:2b:3c:4d:5e:6f',
    ])
      assert.deepEqual(typesIn(text), [], text);
  });
});

describe('SECRET', () => {
  const fake = (n: number): string => Array.from({ length: n }, (_, i) => 'aB3xY9kQ7mZ2'[i % 12]).join('');
  test('JWTs, private keys, provider key shapes, bearer tokens, labelled values', () => {
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${fake(43)}`;
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${fake(64)}\n-----END RSA PRIVATE KEY-----`;
    for (const [secret, kind] of [
      [jwt, 'JWT'],
      [pem, 'PRIVATE_KEY'],
      [`sk-proj-${fake(40)}`, 'OPENAI'],
      [`ghp_${fake(36)}`, 'GITHUB'],
      ['AKIAIOSFODNN7EXAMPLE', 'AWS'],
      [`xoxb-${fake(30)}`, 'SLACK'],
    ])
      assert.deepEqual(found(`key: ${secret} end`), [`SECRET/${kind}:${secret}`], kind);
    assert.deepEqual(found(`Authorization: Bearer ${fake(32)}`), [`SECRET/BEARER:${fake(32)}`]);
    assert.deepEqual(found(`api_key=${fake(24)}&x=1`), [`SECRET/LABELLED:${fake(24)}`]);
    assert.deepEqual(found('password: correcthorse'), ['SECRET/LABELLED:correcthorse']);
  });

  test('look-alikes: short or low-entropy values, prose about tokens', () => {
    for (const text of [
      'sk-short',
      'token=aaaaaaaaaaaa',
      'the token is valid',
      'AKIA1234',
      'eyJhbGciOiJIUzI1NiJ9 only',
    ])
      assert.deepEqual(typesIn(text), [], text);
  });
});

describe('DATE_OF_BIRTH, PASSPORT, ID_CARD by context', () => {
  test('context words in the default languages, value after a separator', () => {
    assert.deepEqual(found('Date of birth: 1985-03-12'), ['DATE_OF_BIRTH:1985-03-12']);
    assert.deepEqual(found('DOB 12/03/1985'), ['DATE_OF_BIRTH:12/03/1985']);
    assert.deepEqual(found('born on 12 March 1985'), ['DATE_OF_BIRTH:12 March 1985']);
    assert.deepEqual(found('geboren am 12.03.1985'), ['DATE_OF_BIRTH:12.03.1985']);
    assert.deepEqual(found('née le 12/03/1985'), ['DATE_OF_BIRTH:12/03/1985']);
    assert.deepEqual(found('fecha de nacimiento: 12-03-1985'), ['DATE_OF_BIRTH:12-03-1985']);
    assert.deepEqual(found('Passport no. C01X00T47'), ['PASSPORT:C01X00T47']);
    assert.deepEqual(found('Reisepassnummer: C01X00T47'), ['PASSPORT:C01X00T47']);
    assert.deepEqual(found('numéro de passeport 18AB12345'), ['PASSPORT:18AB12345']);
    assert.deepEqual(found('Personalausweis L01X00T47'), ['ID_CARD:L01X00T47']);
    assert.deepEqual(found("carte d'identité: X4RTBPFW4"), ['ID_CARD:X4RTBPFW4']);
    assert.deepEqual(found('Reisepassnummer „CFXKRTBPW“'), ['PASSPORT:CFXKRTBPW']);
  });

  test('dates and numbers without a context word are left alone', () => {
    for (const text of [
      'Invoice date 1985-03-12',
      'order C01X00T47 shipped',
      'passport photo 35x45 mm',
      'Reisepass gültig',
    ])
      assert.deepEqual(typesIn(text), [], text);
  });
});

describe('PERSON and ADDRESS in free text', () => {
  test('honorifics, "Name:" labels, known given names with surnames and particles', () => {
    assert.deepEqual(found('Dear Mrs. Hartmann-Lenz,'), ['PERSON/TITLED:Mrs. Hartmann-Lenz']);
    assert.deepEqual(found('Herr Dr Jonas Albers called'), ['PERSON/TITLED:Herr Dr Jonas Albers']);
    assert.deepEqual(found('Name: Ilse Brandauer'), ['PERSON/LABELLED:Ilse Brandauer']);
    assert.deepEqual(found('ask Sanne van der Berg about it'), ['PERSON/GIVEN_NAME:Sanne van der Berg']);
    assert.deepEqual(found('Signed, Łukasz Wiśniewski'), ['PERSON/GIVEN_NAME:Łukasz Wiśniewski']);
  });

  test('street addresses in EN, DE, FR, ES, IT, NL word orders, with postal code and town', () => {
    for (const address of [
      '221B Baker Street',
      'Lindenstraße 12, 10115 Berlin',
      'Am Mühlbach 3a',
      '13 rue des Lilas, 75011 Paris',
      'Calle Mayor, 83',
      'Via Garibaldi 7',
      'Prinsengracht 263, 1016 GV Amsterdam',
      'ul. Długa 5',
      'Storgatan 14',
    ])
      assert.deepEqual(found(`Ship to ${address}; thanks`), [`ADDRESS/STREET:${address}`], address);
  });

  test('a given name alone, capitalised non-names and numbers next to ordinary words are not matched', () => {
    for (const text of [
      'Anna',
      'Berlin Marathon 2024',
      'The Customer Service Team',
      'Chapter 12 covers it',
      'version 2 street view',
      '5 apples',
    ])
      assert.deepEqual(typesIn(text), [], text);
  });
});

describe('free text the way people write it (lower case, blocks, loose phone formats)', () => {
  test('names: lower case pairs, lower-case honorifics, a known given name alone, cue verbs', () => {
    assert.deepEqual(found('please ask robert kowalczyk about it'), ['PERSON/GIVEN_NAME:robert kowalczyk']);
    assert.deepEqual(found('I would like to join accounts with ms. Okonkwo'), ['PERSON/TITLED:Okonkwo']);
    assert.deepEqual(found('Yesterday Margaret called the bank'), ['PERSON/GIVEN_NAME:Margaret']);
    assert.deepEqual(found("Here is Arne's order"), ['PERSON/GIVEN_NAME:Arne']);
    assert.deepEqual(found('Here is Arne’s order'), ['PERSON/GIVEN_NAME:Arne']);
    assert.deepEqual(found('"Not now," says Okafor.'), ['PERSON/CUED:Okafor']);
    for (const text of [
      'I said Hello to the team',
      'May we ship it?',
      'the will was read',
      'meet at 12.30 ms later',
    ])
      assert.ok(!typesIn(text).includes('PERSON'), text);
  });

  test('addresses: labelled blocks, lower-case streets, units, countries with postal codes, places', () => {
    assert.deepEqual(found('shipping address: mirela dobrev\n  17 old mill road\n  harrow\n  90210'), [
      'PERSON/LABELLED:mirela dobrev',
      'ADDRESS/BLOCK:17 old mill road\n  harrow\n  90210',
    ]);
    assert.deepEqual(typesIn('Apt. 12'), ['ADDRESS']);
    assert.deepEqual(found('ZIP: 02139'), ['ADDRESS/STREET:02139']);
    assert.deepEqual(found('send it to norway 0150 please'), ['ADDRESS/COUNTRY:norway 0150']);
    assert.deepEqual(found('She grew up in Stratford upon Avon.'), ['ADDRESS/PLACE:Stratford upon Avon']);
    for (const text of [
      'my IP address 10.1.2.3 is blocked',
      'We shipped 3 items via the main road yesterday',
      'Our address is not updated yet',
      'grew up in the countryside',
    ])
      assert.ok(!typesIn(text).includes('ADDRESS'), text);
  });

  test('countries: part of an address block, never on their own in prose', () => {
    // An address that ends in a country masks the country with it.
    assert.deepEqual(found('Ship to Lindenstraße 12, 10115 Berlin, Germany; thanks'), [
      'ADDRESS/STREET:Lindenstraße 12, 10115 Berlin, Germany',
    ]);
    assert.deepEqual(found('Lindenstraße 12\n10115 Berlin\nGermany'), [
      'ADDRESS/STREET:Lindenstraße 12\n10115 Berlin\nGermany',
    ]);
    assert.deepEqual(found('Address: 13 rue des Lilas, Paris, France'), [
      'ADDRESS/BLOCK:13 rue des Lilas, Paris, France',
    ]);
    assert.deepEqual(found('Germany 10115'), ['ADDRESS/COUNTRY:Germany 10115']);
    assert.deepEqual(found('She lives in Germany.'), ['ADDRESS/PLACE:Germany']);
    // A country alone is where something goes or comes from: neither an address nor a person.
    for (const text of [
      'shipping to Germany',
      'France',
      'We ship to France and Spain next week.',
      'The conference moves from Spain to Italy.',
      'Made in Italy, sold in the United Kingdom.',
      'Our team in Paris, France meets on Mondays.',
      '"I am glad Poland is moving in that direction," she said.',
    ])
      assert.deepEqual(typesIn(text), [], text);
  });

  test('phones: extensions, and grouped numbers of 7 to 15 digits after a phone phrase', () => {
    assert.ok(typesIn('call me at (96) 627-277 tomorrow').includes('PHONE'));
    assert.ok(typesIn('fax +1-944-435-4352x04732').includes('PHONE'));
    assert.deepEqual(found('reach us on 21 212 133 2727'), ['PHONE:21 212 133 2727']);
    for (const text of ['order number 12345678', 'invoice 1234-5678', 'call it version 1.2.3'])
      assert.ok(!typesIn(text).includes('PHONE'), text);
  });
});

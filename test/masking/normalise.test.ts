import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { normaliseValue } from '../../src/masking/normalise.ts';

// The reference: what the normal form of a name or address is, written plainly.
const reference = (value: string): string => value.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');

describe('normal forms of names and addresses', () => {
  test('every character below U+0300 is its own NFC form, alone and before another', () => {
    // normaliseValue skips String#normalize when no character reaches U+0300.
    for (let c = 0; c < 0x300; c++) {
      const s = String.fromCharCode(c);
      assert.equal(s.normalize('NFC'), s, c.toString(16));
      assert.equal(`${s}a${s}`.normalize('NFC'), `${s}a${s}`, c.toString(16));
    }
  });

  test('compose, lower-case and collapse white space like the plain definition', () => {
    assert.equal(normaliseValue('PERSON', 'Zoe\u0301  Ångström'), 'zoé ångström');
    assert.equal(normaliseValue('PERSON', ' Anna\tMaria\u00a0Weber '), 'anna maria weber');
    assert.equal(
      normaliseValue('ADDRESS', 'Lindenstraße 12,\n10115 Berlin'),
      'lindenstraße 12, 10115 berlin',
    );
    assert.equal(normaliseValue('PERSON', 'Jan\u2003Doe'), 'jan\u2003doe');
    const spaces = [
      '\t',
      '\n',
      '\r',
      '\u00a0',
      ' ',
      '\u2003',
      '\u3000',
      '\ufeff',
      '\u000b',
      '\u1680',
      '\u200b',
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(...spaces),
            fc.string({ unit: 'grapheme', maxLength: 4 }),
            fc.constantFrom('e\u0301', 'É', 'ß', 'Ǆ', 'ñ'),
          ),
          { maxLength: 12 },
        ),
        fc.constantFrom('PERSON' as const, 'ADDRESS' as const),
        (parts, type) => {
          const value = parts.join('');
          const normal = normaliseValue(type, value);
          // A single odd space between words is kept as it is; anything else matches the plain form.
          if (!/(?<!\s)[\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\v\f](?!\s)/.test(value))
            assert.equal(normal, reference(value));
          assert.equal(normaliseValue(type, normal), normal);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

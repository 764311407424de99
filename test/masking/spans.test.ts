import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { countText, resolveSpans, type Span } from '../../src/masking/spans.ts';

test('countText counts like the obvious definition, for any string', () => {
  const reference = (t: string) => {
    const n = (re: RegExp): number => (t.match(re) ?? []).length;
    return {
      length: t.length,
      digits: n(/[0-9]/g),
      letters: n(/[A-Za-z\u0080-\uffff]/g),
      upper:
        n(/[A-Z\u00c0-\u00d6\u00d8-\u00de]/g) +
        Array.from(t).filter(
          (c) => c.charCodeAt(0) >= 0x100 && c.charCodeAt(0) <= 0x17e && c.charCodeAt(0) % 2 === 0,
        ).length,
      spaces: n(/[ \t\n\r]/g),
      at: n(/@/g),
      colons: n(/:/g),
      dots: n(/\./g),
      dashes: n(/-/g),
    };
  };
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.oneof(
          fc.constantFrom(...'aZ09 @:.-\t_é€ŁąÀ×'),
          fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
        ),
      }),
      (t) => {
        assert.deepEqual(countText(t), reference(t));
      },
    ),
    { numRuns: 500 },
  );
});

const span = (start: number, end: number, type: Span['type']): Span => ({
  start,
  end,
  type,
  subtype: undefined,
  detector: 't',
});

test('overlaps: the more specific type wins, then the longer span; a heuristic loser keeps its rest', () => {
  // A validated national ID inside a longer heuristic address: the ID wins, the address keeps both sides.
  assert.deepEqual(
    resolveSpans([span(0, 30, 'ADDRESS'), span(10, 20, 'NATIONAL_ID')]).map((s) => [s.start, s.end, s.type]),
    [
      [0, 10, 'ADDRESS'],
      [10, 20, 'NATIONAL_ID'],
      [20, 30, 'ADDRESS'],
    ],
  );
  // A phone inside an IBAN: the IBAN (more specific) wins and the phone is dropped.
  assert.deepEqual(
    resolveSpans([span(5, 15, 'PHONE'), span(0, 27, 'IBAN')]).map((s) => s.type),
    ['IBAN'],
  );
  // Same type: the longer one.
  assert.deepEqual(
    resolveSpans([span(0, 5, 'PERSON'), span(0, 12, 'PERSON')]).map((s) => s.end),
    [12],
  );
  // Disjoint spans come back in text order.
  assert.deepEqual(
    resolveSpans([span(20, 25, 'EMAIL'), span(0, 5, 'PHONE')]).map((s) => s.start),
    [0, 20],
  );
});

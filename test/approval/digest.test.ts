import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { argumentsDigest } from '../../src/approval/index.ts';

test('the argument digest does not depend on key order, and changes with any value', () => {
  const a = argumentsDigest({ limit: 10, filter: { country: 'DE', active: true }, fields: ['a', 'b'] });
  const b = argumentsDigest({ fields: ['a', 'b'], filter: { active: true, country: 'DE' }, limit: 10 });
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(
    argumentsDigest({ limit: 11, filter: { country: 'DE', active: true }, fields: ['a', 'b'] }),
    a,
  );
  assert.notEqual(
    argumentsDigest({ limit: 10, filter: { country: 'DE', active: true }, fields: ['b', 'a'] }),
    a,
  );
  assert.equal(argumentsDigest(undefined), argumentsDigest({}));
});

test('property: a JSON round trip with shuffled keys keeps the digest', () => {
  const shuffle = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(shuffle);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(
        Object.entries(v)
          .reverse()
          .map(([k, x]) => [k, shuffle(x)]),
      );
    return v;
  };
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const parsed = JSON.parse(JSON.stringify(v)) as unknown;
      assert.equal(argumentsDigest(shuffle(parsed)), argumentsDigest(parsed));
    }),
    { numRuns: 200 },
  );
});

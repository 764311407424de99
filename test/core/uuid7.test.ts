import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { uuidv7, uuidv7Time } from '../../src/core/uuid7.ts';

// Exchange ids: UUIDv7 (RFC 9562 §5.7), so that the audit's index on ids grows at its end.

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('an id is a version 7 UUID carrying the milliseconds it was made at', () => {
  const before = Date.now();
  const id = uuidv7();
  const after = Date.now();
  assert.match(id, V7);
  const t = uuidv7Time(id);
  assert.ok(t >= before && t <= after, `${t} within [${before}, ${after}]`);
  // RFC 9562 Appendix A.6's example time: 2022-02-22T19:22:22Z → 017f22e2-79b0-7…
  assert.match(uuidv7(0x017f22e279b0), /^017f22e2-79b0-7/);
});

test('ids of later milliseconds sort after, over the whole 48-bit range', () => {
  const ms = fc.integer({ min: 0, max: 2 ** 48 - 1 });
  fc.assert(
    fc.property(ms, ms, (a, b) => {
      fc.pre(a !== b);
      const [x, y] = [uuidv7(a), uuidv7(b)];
      assert.match(x, V7);
      assert.equal(uuidv7Time(x), a);
      assert.equal(x < y, a < b);
    }),
  );
});

test('ids of one millisecond differ: 74 random bits each', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 50_000; i++) ids.add(uuidv7(1_796_280_000_000));
  assert.equal(ids.size, 50_000);
  // The random digits are not constant: every hex digit shows up in the last group's first place.
  const firsts = new Set([...ids].map((id) => id[24]));
  assert.equal(firsts.size, 16);
});

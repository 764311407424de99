import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type LiveEntry, LiveSet } from '../../src/core/live-set.ts';

// The in-flight registry of the gateway (exchanges, handler promises): it must hold exactly what
// was added and not yet removed, whatever the order of removals.

test('holds what was added and not removed, in any order of adds and removes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(63)), { maxLength: 300 }), (ops) => {
      const live = new LiveSet<number>();
      const model = new Map<number, LiveEntry<number>>();
      let next = 0;
      for (const [add, pick] of ops) {
        if (add || model.size === 0) {
          const v = next++;
          model.set(v, live.add(v));
        } else {
          const keys = [...model.keys()];
          const v = keys[pick % keys.length] as number;
          live.delete(model.get(v) as LiveEntry<number>);
          model.delete(v);
        }
        assert.equal(live.size, model.size);
      }
      assert.deepEqual(
        [...live].sort((a, b) => a - b),
        [...model.keys()].sort((a, b) => a - b),
      );
    }),
  );
});

test('a removed entry forgets its value, and removing it again changes nothing', () => {
  const live = new LiveSet<{ name: string }>();
  const a = live.add({ name: 'a' });
  const b = live.add({ name: 'b' });
  live.delete(a);
  assert.equal(a.value, undefined);
  assert.equal(a.slot, -1);
  live.delete(a);
  assert.equal(live.size, 1);
  assert.deepEqual([...live], [{ name: 'b' }]);
  assert.equal(b.slot, 0);
});

test('iteration walks a snapshot: removing and adding while walking does not disturb it', () => {
  const live = new LiveSet<number>();
  const entries = [1, 2, 3, 4].map((v) => live.add(v));
  const seen: number[] = [];
  for (const v of live) {
    seen.push(v);
    live.delete(entries[v - 1] as LiveEntry<number>);
    live.add(v * 10);
  }
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.deepEqual(
    [...live].sort((a, b) => a - b),
    [10, 20, 30, 40],
  );
});

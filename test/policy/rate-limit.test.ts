import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRateLimiter, type Decision } from '../../src/policy/index.ts';
import { who } from './helpers.ts';

const H = 3_600_000;
const T0 = 1_000 * H; // a window boundary
const alice = who('corp:alice');
const bob = who('corp:bob');

function decision(calls: number, by: 'identity' | 'identity+tool' = 'identity+tool', per = 3600): Decision {
  return {
    effect: 'allow',
    rule: 'r',
    reason: '',
    dryRun: [],
    rateLimits: [{ rule: 'r', calls, perSeconds: per, by }],
  };
}

test('5 an hour: the sixth call is refused with Retry-After, per identity and tool', () => {
  const rl = createRateLimiter();
  const d = decision(5);
  for (let i = 0; i < 5; i++) assert.deepEqual(rl.check(d, alice, 'export', T0 + i * 1000), { ok: true });
  const refused = rl.check(d, alice, 'export', T0 + 10_000);
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 7200);
  assert.equal(!refused.ok && refused.rule, 'r');
  assert.deepEqual(
    rl.check(d, bob, 'export', T0 + 10_000),
    { ok: true },
    'another identity has its own budget',
  );
  assert.deepEqual(rl.check(d, alice, 'search', T0 + 10_000), { ok: true }, 'another tool too');
});

test('by identity: all tools share one budget', () => {
  const rl = createRateLimiter();
  const d = decision(2, 'identity');
  assert.equal(rl.check(d, alice, 'a', T0).ok, true);
  assert.equal(rl.check(d, alice, 'b', T0).ok, true);
  assert.equal(rl.check(d, alice, 'c', T0).ok, false);
});

test('sliding window: retryAfter is when the call would fit, and it does fit then', () => {
  const rl = createRateLimiter();
  const d = decision(5);
  // Five calls late in one window…
  for (let i = 0; i < 5; i++) assert.equal(rl.check(d, alice, 't', T0 + 0.9 * H).ok, true);
  // …still count early in the next: no burst of 10 across the boundary.
  const early = rl.check(d, alice, 't', T0 + 1.1 * H);
  assert.equal(early.ok, false);
  const wait = early.ok ? 0 : early.retryAfterSeconds * 1000;
  assert.equal(rl.check(d, alice, 't', T0 + 1.1 * H + wait - 2000).ok, false, 'not before');
  assert.equal(rl.check(d, alice, 't', T0 + 1.1 * H + wait).ok, true, 'but at retryAfter');
});

test('a refusal counts nothing; every limit in the decision must agree', () => {
  const rl = createRateLimiter();
  const d: Decision = {
    effect: 'allow',
    rule: 'a',
    reason: '',
    dryRun: [],
    rateLimits: [
      { rule: 'tight', calls: 1, perSeconds: 60, by: 'identity+tool' },
      { rule: 'loose', calls: 3, perSeconds: 3600, by: 'identity' },
    ],
  };
  assert.equal(rl.check(d, alice, 'x', T0).ok, true);
  const r = rl.check(d, alice, 'x', T0 + 1000);
  assert.equal(!r.ok && r.rule, 'tight');
  // Refused calls did not eat into `loose`: two more on other tools still fit, the third not.
  assert.equal(rl.check(d, alice, 'y', T0 + 2000).ok, true);
  assert.equal(rl.check(d, alice, 'z', T0 + 3000).ok, true);
  const loose = rl.check(d, alice, 'w', T0 + 4000);
  assert.equal(!loose.ok && loose.rule, 'loose');
});

test('decisions without limits pass and create no keys', () => {
  const rl = createRateLimiter();
  assert.deepEqual(rl.check({ effect: 'allow', rule: 'a', reason: '', dryRun: [] }, alice, 'x', T0), {
    ok: true,
  });
  assert.equal(rl.size, 0);
});

test('memory is bounded: idle keys are evicted, and past maxKeys the least recently used goes', () => {
  const rl = createRateLimiter({ maxKeys: 100 });
  const d = decision(1, 'identity+tool', 60);
  for (let i = 0; i < 1000; i++) rl.check(d, alice, `tool-${i}`, T0 + i);
  assert.equal(rl.size, 100);
  // The most recent key is still counting.
  assert.equal(rl.check(d, alice, 'tool-999', T0 + 1000).ok, false);
  // Two windows later every key is idle; each check sweeps a few from the front.
  for (let i = 0; i < 50; i++) rl.check(d, bob, 'x', T0 + 3 * 60_000 + i);
  assert.ok(rl.size < 100, `size ${rl.size}`);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRounds } from '../../bench/measure.ts';
import { loadRow } from '../helpers/load-row.ts';

// `npm run bench -- --rounds N` merges each row's rounds: counts and CPU add up, rates and
// latencies are the median round's.

const round = loadRow;

test('rounds merged: CPU per call over every call, calls/s and p50 the median round', () => {
  const merged = mergeRounds([
    round({ calls_per_s: 300, p50_ms: 4, window_calls: 1500, calls: 1500, hop_cpu_ms: 300 }),
    round({ calls_per_s: 100, p50_ms: 12, window_calls: 500, calls: 500, hop_cpu_ms: 200, errors: 2 }),
    round({ calls_per_s: 200, p50_ms: 6 }),
  ]);
  assert.equal(merged.rounds, 3);
  assert.equal(merged.calls_per_s, 200);
  assert.equal(merged.p50_ms, 6);
  assert.equal(merged.calls, 3000);
  assert.equal(merged.errors, 2);
  assert.equal(merged.window_calls, 3000);
  assert.equal(merged.hop_cpu_ms, 750);
  assert.deepEqual(merged.round_hop_cpu_us, [200, 400, 250]);
  assert.equal(merged.load_error, null);
});

test('rounds merged: a round without a CPU reading leaves the CPU unknown; its error is kept', () => {
  const merged = mergeRounds([round({}), round({ hop_cpu_ms: null, load_error: 'timeout' })]);
  assert.equal(merged.hop_cpu_ms, null);
  assert.equal(merged.load_error, 'timeout');
  assert.deepEqual(merged.round_hop_cpu_us, [250, null]);
  assert.throws(() => mergeRounds([]), /no round/);
});

test("rounds merged: the load's CPU added up, or left out when a round lacks it", () => {
  const one = round({ client_cpu_ms: 100 });
  const two = round({ client_cpu_ms: 250 });
  assert.equal(mergeRounds([one, two]).client_cpu_ms, 350);
  const { client_cpu_ms: _, ...lacking } = two;
  assert.equal('client_cpu_ms' in mergeRounds([one, lacking]), false);
  assert.equal('client_cpu_ms' in mergeRounds([lacking, one]), false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadRow } from '../../bench/measure.ts';
import { cpuBudget, formatTargets } from '../../bench/report.ts';
import { loadRow } from '../helpers/load-row.ts';

// The targets block says, per case at 16 sessions, how much CPU per call a hop may spend and still
// carry 0.8× nginx's calls/s: the machine's CPU at that rate less the upstream's and the load's.

function row(over: Partial<LoadRow>): LoadRow {
  return loadRow({
    case: 'customer-raw-16',
    title: '64 KiB · raw · 16',
    path: 'nginx',
    tool: 'customer',
    calls_per_s: 500,
    p50_ms: 20,
    p99_ms: 60,
    // 1,000 µs a call for the upstream, and 1,200 ms over 1,200 calls for the load: 1,000 µs.
    upstream_cpu_ms: 1000,
    upstream_cpu_run_ms: 1200,
    client_cpu_ms: 1200,
    ...over,
  });
}

const footprint = { coldStart: null, idleRss: null, diskSync: null };

test('the budget: the CPUs at 0.8× nginx, less the upstream and the load of the nginx row', () => {
  const nginx = row({});
  const custos = row({ path: 'custos', calls_per_s: 200, hop_cpu_ms: 4500 });
  const b = cpuBudget([nginx, custos], custos, 2);
  assert.ok(b);
  // 2 CPUs at 400 calls/s: 5,000 µs of CPU a call, less 1,000 (upstream) and 1,000 (load).
  assert.equal(b.machineUs, 5000);
  assert.equal(b.upstreamUs, 1000);
  assert.equal(b.clientUs, 1000);
  assert.equal(b.budgetUs, 3000);
  assert.equal(b.rate, 400);
  // Twice the CPUs, twice the machine's CPU per call.
  assert.equal(cpuBudget([nginx, custos], custos, 4)?.budgetUs, 8000);
});

test('no budget without the nginx row, its upstream CPU or its load CPU', () => {
  const custos = row({ path: 'custos' });
  const { client_cpu_ms: _, ...withoutClient } = row({});
  assert.equal(cpuBudget([custos], custos, 2), null);
  assert.equal(cpuBudget([row({ upstream_cpu_ms: null }), custos], custos, 2), null);
  assert.equal(cpuBudget([withoutClient, custos], custos, 2), null);
  assert.equal(cpuBudget([row({ calls_per_s: 0 }), custos], custos, 2), null);
  // Another case's nginx row is not this case's.
  assert.equal(cpuBudget([row({ case: 'echo-raw-16' }), custos], custos, 2), null);
});

test('the targets block prints the budget beside what Custos spent', () => {
  const nginx = row({});
  const over = formatTargets([nginx, row({ path: 'custos', hop_cpu_ms: 4500 })], footprint, 2);
  assert.match(over, /CPU per call left for the hop at 0\.80× nginx \(64 KiB · raw · 16\)/);
  assert.match(
    over,
    /≤ 3000 µs \(2 CPUs at 400 calls\/s: 5000 µs a call, less upstream 1000 and load 1000\); custos 4500 µs/,
  );
  assert.match(over, /custos spends 1\.5× this upper bound: CPU alone rules the ratio out/);
  const under = formatTargets([nginx, row({ path: 'custos', hop_cpu_ms: 500 })], footprint, 2);
  assert.match(under, /custos spends less than this upper bound: CPU alone does not rule the ratio out/);
  // An upstream and a load that take every CPU leave nothing for any hop.
  const none = formatTargets([row({ upstream_cpu_ms: 5000 }), row({ path: 'custos' })], footprint, 2);
  assert.match(none, /no hop can reach the ratio on this machine/);
  const missing = formatTargets([row({ path: 'custos' })], footprint, 2);
  assert.match(missing, /needs the nginx row of the case with its upstream and load CPU/);
});

test('the cold start is printed beside what Node.js alone takes to start here', () => {
  const coldStart = {
    kind: 'cold_start' as const,
    runs_ms: [280, 260, 270],
    median_ms: 270,
    node_runs_ms: [110, 105, 120],
    node_median_ms: 110,
    extra_ca_certs: false,
  };
  const out = formatTargets([], { ...footprint, coldStart }, 2);
  assert.match(
    out,
    /\| cold start \(median of 3\) +\| 270 ms \(runs: 280, 260, 270\) +\| ≤ 300 ms +\| meets/,
  );
  assert.match(
    out,
    /\| of which Node\.js starting +\| 110 ms: Node\.js alone to its first line \(runs: 110, 105, 120\) +\|/,
  );
  assert.doesNotMatch(out, /NODE_EXTRA_CA_CERTS/);
  const withCerts = formatTargets([], { ...footprint, coldStart: { ...coldStart, extra_ca_certs: true } }, 2);
  assert.match(withCerts, /110 ms: .*; NODE_EXTRA_CA_CERTS is set, and every Node\.js start reads it/);
});

test("the 1-session p50 budget: what the relay's added p50 and the disk's sync leave of it", () => {
  const echo1 = (path: LoadRow['path'], p50_ms: number): LoadRow =>
    loadRow({ case: 'echo-raw-1', title: 'echo · raw · 1 sess', sessions: 1, path, p50_ms });
  const diskSync = { kind: 'disk_sync' as const, syncs: 300, p10_us: 140, p50_us: 150, p90_us: 180 };
  const rows = [echo1('direct', 0.4), echo1('relay', 0.5), echo1('custos', 1.3)];
  const label = /p50 at 1 session taken before Custos's own work: the relay's added p50 \+ the disk's sync/;
  const out = formatTargets(rows, { ...footprint, diskSync }, 2);
  assert.match(out, label);
  // +0.10 ms for the relay, 0.15 ms for the sync: 0.25 ms of the 0.3 taken.
  assert.match(
    out,
    /\| 0\.25 ms \(relay \+0\.10 ms, sync 0\.15 ms\) +\| – +\| leaves 0\.05 ms of the ≤ 0\.3 ms/,
  );
  // A slower sync leaves nothing.
  const slow = formatTargets(rows, { ...footprint, diskSync: { ...diskSync, p50_us: 260 } }, 2);
  assert.match(
    slow,
    /\| 0\.36 ms \(relay \+0\.10 ms, sync 0\.26 ms\) +\| – +\| leaves nothing of the ≤ 0\.3 ms/,
  );
  // A relay faster than direct (noise) counts as nothing, and is shown as measured.
  const fast = formatTargets([echo1('direct', 0.5), echo1('relay', 0.45)], { ...footprint, diskSync }, 2);
  assert.match(fast, /\| 0\.15 ms \(relay -0\.05 ms, sync 0\.15 ms\)/);
  // Without the sync, or without the relay's row, it says what it needs.
  assert.match(formatTargets(rows, footprint, 2), /needs the relay and direct raw echo rows at 1 session/);
  assert.match(
    formatTargets([echo1('direct', 0.4)], { ...footprint, diskSync }, 2),
    /needs the relay and direct raw echo rows at 1 session/,
  );
});

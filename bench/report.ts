import type { ColdStartRecord, DiskSyncRecord, IdleRssRecord } from './footprint.ts';
import type { LoadRow } from './measure.ts';

// The printed report: one table row per (case, path), each compared with the direct, nginx and node
// rows of the same case in the same run, then the targets beside the figures.

export const TARGETS = {
  cpuPerSmallCallUs: 150,
  authCostPerCallUs: 20,
  addedP50AtOneSessionMs: 0.3,
  nginxRatioAt16: 0.8,
  idleRssMb: 150,
  coldStartMs: 300,
} as const;

const fixed = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const signed = (x: number | null, digits = 2): string =>
  x === null ? '' : `${x >= 0 ? '+' : ''}${fixed(x, digits)}`;
const mb = (bytes: number): number => bytes / 1e6;
/** Run-to-run spread of hop CPU per call (docs/bench.md): a difference below it is not a finding. */
const HOP_CPU_NOISE = 0.15;
const isCustos = (row: LoadRow): boolean => row.path.startsWith('custos');

/** Hop CPU per call in µs: the proxy processes' CPU over the measured window ÷ the calls in it. */
export function hopCpuUsPerCall(row: LoadRow): number | null {
  return perCallUs(row.hop_cpu_ms, row.window_calls);
}

function perCallUs(cpuMs: number | null, calls: number): number | null {
  return cpuMs === null || calls === 0 ? null : (cpuMs * 1000) / calls;
}

function peer(rows: readonly LoadRow[], row: LoadRow, path: LoadRow['path']): LoadRow | undefined {
  return row.path === path
    ? undefined
    : rows.find((r) => r.case === row.case && r.path === path && r.calls > 0);
}

function addedP50(rows: readonly LoadRow[], row: LoadRow): number | null {
  const direct = peer(rows, row, 'direct');
  return direct && row.calls > 0 ? row.p50_ms - direct.p50_ms : null;
}

function ratio(rows: readonly LoadRow[], row: LoadRow, path: LoadRow['path']): number | null {
  const base = peer(rows, row, path);
  return base && row.calls > 0 ? row.calls_per_s / base.calls_per_s : null;
}

/** Hop CPU per call of `row` minus that of the `path` row of the same case, in µs. */
function hopCpuAbove(rows: readonly LoadRow[], row: LoadRow, path: LoadRow['path']): number | null {
  const base = peer(rows, row, path);
  const own = hopCpuUsPerCall(row);
  const floor = base ? hopCpuUsPerCall(base) : null;
  return own === null || floor === null ? null : own - floor;
}

/** What a hop may spend per call and still carry the nginx ratio target: see cpuBudget. */
export interface CpuBudget {
  /** µs of CPU per call left for the hop (may be negative: no hop can reach the ratio here). */
  budgetUs: number;
  /** The calls/s of the target: TARGETS.nginxRatioAt16 of the nginx row's. */
  rate: number;
  /** µs of the machine's CPU per call at the target rate (every CPU busy all the time). */
  machineUs: number;
  /** µs per call the upstream and the load generator spent in the nginx row. */
  upstreamUs: number;
  clientUs: number;
}

/**
 * The CPU per call a hop could spend at `row`'s case and still carry TARGETS.nginxRatioAt16 of
 * nginx's calls/s on `cpus` CPUs: the machine's CPU time per call at that rate, less what the
 * upstream and the load generator spent per call in the nginx row of the same case (the load's
 * CPU over its whole run ÷ every call of it). An upper bound: it takes every CPU to be busy all the
 * time, and the upstream and the load to spend per call what they spent at nginx's higher rate
 * (in the runs of docs/bench.md they tended to spend more per call at lower rates, not less).
 */
export function cpuBudget(rows: readonly LoadRow[], row: LoadRow, cpus: number): CpuBudget | null {
  const nginx = peer(rows, row, 'nginx');
  if (!nginx || nginx.calls_per_s <= 0 || cpus <= 0) return null;
  const upstreamUs = perCallUs(nginx.upstream_cpu_ms, nginx.window_calls);
  const clientUs = perCallUs(nginx.client_cpu_ms ?? null, nginx.total_calls);
  if (upstreamUs === null || clientUs === null) return null;
  const rate = TARGETS.nginxRatioAt16 * nginx.calls_per_s;
  const machineUs = (cpus * 1e6) / rate;
  return { budgetUs: machineUs - upstreamUs - clientUs, rate, machineUs, upstreamUs, clientUs };
}

function renderTable(header: readonly string[], body: readonly string[][], leftColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < leftColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function formatLoadTable(rows: readonly LoadRow[]): string {
  const header = ['case', 'path', 'calls/s', 'p50 ms', 'p99 ms', 'Δp50 ms', '× direct', '× nginx', '× node'];
  header.push('hop CPU µs/call', 'upstream µs/call', 'errors');
  const body = rows.map((row) => {
    const vsDirect = ratio(rows, row, 'direct');
    const vsNginx = isCustos(row) ? ratio(rows, row, 'nginx') : null;
    const vsNode = isCustos(row) ? ratio(rows, row, 'node') : null;
    return [
      row.title,
      row.path,
      fixed(row.calls_per_s, 0),
      fixed(row.p50_ms),
      fixed(row.p99_ms),
      signed(addedP50(rows, row)),
      vsDirect === null ? '' : `${fixed(vsDirect)}×`,
      vsNginx === null ? '' : `${fixed(vsNginx)}×`,
      vsNode === null ? '' : `${fixed(vsNode)}×`,
      row.path === 'direct' ? '' : fixed(hopCpuUsPerCall(row), 0),
      fixed(perCallUs(row.upstream_cpu_ms, row.window_calls), 0),
      row.load_error ? `failed: ${row.load_error}` : String(row.errors),
    ];
  });
  return renderTable(header, body, 2);
}

interface Worst {
  value: number;
  row: LoadRow;
}

function worst(
  rows: readonly LoadRow[],
  pick: (row: LoadRow) => number | null,
  higherIsWorse: boolean,
): Worst | null {
  let found: Worst | null = null;
  for (const row of rows) {
    const value = pick(row);
    if (value === null || !Number.isFinite(value)) continue;
    if (!found || (higherIsWorse ? value > found.value : value < found.value)) found = { value, row };
  }
  return found;
}

const verdict = (ok: boolean): string => (ok ? 'meets' : 'MISSES');

export interface Footprint {
  coldStart: ColdStartRecord | null;
  idleRss: IdleRssRecord | null;
  diskSync: DiskSyncRecord | null;
}

/** The targets beside the figures; a missing figure says why. */
export function formatTargets(rows: readonly LoadRow[], footprint: Footprint, cpus: number): string {
  const custos = rows.filter((r) => r.path === 'custos' && r.calls > 0);
  const custosEcho = custos.filter((r) => r.tool === 'echo');
  const echoOf = (path: LoadRow['path']): LoadRow[] =>
    rows.filter((r) => r.path === path && r.tool === 'echo' && r.calls > 0);
  const body: string[][] = [];
  const none = (what: string, target: string, why: string): number => body.push([what, '–', target, why]);

  const cpu = worst(custosEcho, hopCpuUsPerCall, true);
  const nginxCpu = worst(echoOf('nginx'), hopCpuUsPerCall, true);
  const nodeCpu = worst(echoOf('node'), hopCpuUsPerCall, true);
  const relayCpu = worst(echoOf('relay'), hopCpuUsPerCall, true);
  const cpuLabel = 'CPU per small call (echo rows, worst)';
  const cpuTarget = `≤ ${TARGETS.cpuPerSmallCallUs} µs`;
  if (cpu) {
    let vsFloors = nginxCpu ? `; nginx ${fixed(nginxCpu.value, 0)} µs` : '';
    if (nodeCpu) vsFloors += `; node ${fixed(nodeCpu.value, 0)} µs`;
    if (relayCpu) vsFloors += `; relay ${fixed(relayCpu.value, 0)} µs`;
    body.push([
      cpuLabel,
      `${fixed(cpu.value, 0)} µs (${cpu.row.title}${vsFloors})`,
      cpuTarget,
      verdict(cpu.value <= TARGETS.cpuPerSmallCallUs),
    ]);
  } else none(cpuLabel, cpuTarget, 'no custos echo row');

  // How much of Custos's CPU per call is Custos, and how much is Node.js itself: above the Node.js
  // HTTP proxy (node:http and undici), and above a Node.js process that only relays the bytes.
  for (const [floorPath, label] of [
    ['node', 'CPU per small call above the Node floor (echo rows, worst)'],
    ['relay', 'CPU per small call above the byte-relay floor (echo rows, worst)'],
  ] as const) {
    const above = worst(custosEcho, (r) => hopCpuAbove(rows, r, floorPath), true);
    if (!above) {
      none(label, '–', `needs custos and ${floorPath} echo rows of the same case`);
      continue;
    }
    const own = hopCpuUsPerCall(above.row) ?? 0;
    const floor = own - above.value;
    body.push([
      label,
      `${fixed(above.value, 0)} µs (${above.row.title}: custos ${fixed(own, 0)} − ${floorPath} ${fixed(floor, 0)})`,
      '–',
      `the ${floorPath} floor is ${fixed((100 * floor) / own, 0)} % of that call's CPU`,
    ]);
  }

  const auth = worst(echoOf('custos-auth'), (r) => hopCpuAbove(rows, r, 'custos'), true);
  const authLabel = 'authentication cost per call (echo rows, worst)';
  const authTarget = `≤ ${TARGETS.authCostPerCallUs} µs`;
  if (auth) {
    const withAuth = hopCpuUsPerCall(auth.row) ?? 0;
    const without = withAuth - auth.value;
    const noise = HOP_CPU_NOISE * without;
    const withinNoise = Math.abs(auth.value) <= noise ? `; within noise (±${fixed(noise, 0)} µs)` : '';
    body.push([
      authLabel,
      `${signed(auth.value, 0)} µs (${auth.row.title}: custos-auth ${fixed(withAuth, 0)} − custos ${fixed(without, 0)})`,
      authTarget,
      `${verdict(auth.value <= TARGETS.authCostPerCallUs)}${withinNoise}`,
    ]);
  } else none(authLabel, authTarget, 'needs custos and custos-auth echo rows of the same case');

  const mask = worst(
    rows.filter((r) => r.path === 'custos-mask' && r.tool === 'customer' && r.calls > 0),
    (r) => hopCpuAbove(rows, r, 'custos'),
    true,
  );
  // Every Custos path masks each answer once: for the client on a masking route, or for the audit
  // recording on a route that does not mask. So custos-mask − custos is what masking for the client
  // adds on top of the recording's masking, not the masking itself, which only the in-process
  // figure measures (bench/masking-speed.ts, "answer bytes → masked bytes", same payload).
  const maskLabel = "masking for the client, above the recording's own masking (customer rows, worst)";
  const maskTarget = '–';
  if (mask) {
    const masked = hopCpuUsPerCall(mask.row) ?? 0;
    body.push([
      maskLabel,
      `${signed(mask.value, 0)} µs (${mask.row.title}: custos-mask ${fixed(masked, 0)} − custos ${fixed(masked - mask.value, 0)})`,
      maskTarget,
      'reported: the ≤ 1500 µs masking target is bench/masking-speed.ts',
    ]);
  } else none(maskLabel, maskTarget, 'needs custos and custos-mask customer rows of the same case');

  const p50 = worst(
    custos.filter((r) => r.tool === 'echo' && r.sessions === 1),
    (r) => addedP50(rows, r),
    true,
  );
  const p50Label = 'p50 added at 1 session (echo rows, worst)';
  const p50Target = `≤ ${TARGETS.addedP50AtOneSessionMs} ms`;
  if (p50) {
    body.push([
      p50Label,
      `${signed(p50.value)} ms (${p50.row.title})`,
      p50Target,
      verdict(p50.value <= TARGETS.addedP50AtOneSessionMs),
    ]);
  } else none(p50Label, p50Target, 'needs custos and direct echo rows at 1 session');

  // Durable audit: custos (an fsync per group commit) against custos-memory (the same trail, in memory).
  for (const sessions of [1, 16]) {
    const row = custos.find((r) => r.tool === 'echo' && r.mode === 'raw' && r.sessions === sessions);
    const mem = row && peer(rows, row, 'custos-memory');
    const label = `durable audit at ${sessions} session${sessions > 1 ? 's' : ''} (echo raw): added p50, CPU per call`;
    if (row && mem) {
      const cpuAdded = hopCpuAbove(rows, row, 'custos-memory');
      body.push([
        label,
        `${signed(row.p50_ms - mem.p50_ms)} ms, ${cpuAdded === null ? '–' : `${signed(cpuAdded, 0)} µs`} (custos − custos-memory)`,
        '–',
        'reported (issue 7)',
      ]);
    } else none(label, '–', 'needs custos and custos-memory raw echo rows');
  }

  // Each answer waits for the sync of the commit holding its event: at 1 session, one whole sync.
  const { diskSync } = footprint;
  const syncLabel = "the disk's sync (fdatasync after a 4 KiB append, p50)";
  if (diskSync) {
    body.push([
      syncLabel,
      `${fixed(diskSync.p50_us / 1000)} ms (p10 ${fixed(diskSync.p10_us / 1000)}, p90 ${fixed(diskSync.p90_us / 1000)}; ${diskSync.syncs} syncs)`,
      '–',
      'a floor under the p50 durable audit adds at 1 session',
    ]);
  } else none(syncLabel, '–', 'not measured');

  // What the 1-session p50 budget loses before any of Custos's own work: what any hop adds here
  // (the byte relay's added p50: the kernel's loopback and the wake-ups) and the sync each answer
  // waits for (issue 7: durable before the client sees it). Two medians added: an estimate.
  const relay1 = echoOf('relay').find((r) => r.mode === 'raw' && r.sessions === 1);
  const relayAdded = relay1 ? addedP50(rows, relay1) : null;
  const floorLabel =
    "p50 at 1 session taken before Custos's own work: the relay's added p50 + the disk's sync";
  if (relayAdded !== null && diskSync) {
    const syncMs = diskSync.p50_us / 1000;
    const floor = Math.max(0, relayAdded) + syncMs;
    const left = TARGETS.addedP50AtOneSessionMs - floor;
    body.push([
      floorLabel,
      `${fixed(floor)} ms (relay ${signed(relayAdded)} ms, sync ${fixed(syncMs)} ms)`,
      '–',
      left > 0
        ? `leaves ${fixed(left)} ms of the ${p50Target} for Custos's own work`
        : `leaves nothing of the ${p50Target} for Custos's own work`,
    ]);
  } else none(floorLabel, '–', "needs the relay and direct raw echo rows at 1 session, and the disk's sync");

  const custosRaw16 = custos.filter((r) => r.sessions === 16 && r.mode === 'raw');
  const vsNginx = worst(custosRaw16, (r) => ratio(rows, r, 'nginx'), false);
  const nginxLabel = 'calls/s vs nginx at 16 sessions (raw rows, worst)';
  const nginxTarget = `≥ ${TARGETS.nginxRatioAt16.toFixed(2)}×`;
  if (vsNginx) {
    body.push([
      nginxLabel,
      `${fixed(vsNginx.value)}× (${vsNginx.row.title})`,
      nginxTarget,
      verdict(vsNginx.value >= TARGETS.nginxRatioAt16),
    ]);
  } else none(nginxLabel, nginxTarget, 'needs custos and nginx raw rows at 16 sessions');

  // Whether CPU alone rules the ratio out: what Custos may spend per call at that rate, per case.
  for (const row of custosRaw16) {
    const label = `CPU per call left for the hop at ${TARGETS.nginxRatioAt16.toFixed(2)}× nginx (${row.title})`;
    const b = cpuBudget(rows, row, cpus);
    const own = hopCpuUsPerCall(row);
    if (!b || own === null) {
      none(label, '–', 'needs the nginx row of the case with its upstream and load CPU');
      continue;
    }
    body.push([
      label,
      `≤ ${fixed(b.budgetUs, 0)} µs (${cpus} CPUs at ${fixed(b.rate, 0)} calls/s: ` +
        `${fixed(b.machineUs, 0)} µs a call, less upstream ${fixed(b.upstreamUs, 0)} and load ${fixed(b.clientUs, 0)}); custos ${fixed(own, 0)} µs`,
      '–',
      b.budgetUs <= 0
        ? 'no hop can reach the ratio on this machine'
        : own > b.budgetUs
          ? `custos spends ${fixed(own / b.budgetUs, 1)}× this upper bound: CPU alone rules the ratio out`
          : 'custos spends less than this upper bound: CPU alone does not rule the ratio out',
    ]);
  }

  const { idleRss, coldStart } = footprint;
  const rssTarget = `≤ ${TARGETS.idleRssMb} MB`;
  if (idleRss) {
    const opened = idleRss.sessions_opened.toLocaleString('en-US');
    const partial = idleRss.sessions_opened < idleRss.sessions_wanted;
    body.push([
      `RSS with ${opened} idle legacy sessions`,
      `${fixed(mb(idleRss.rss_idle_bytes), 1)} MB (${fixed(mb(idleRss.rss_start_bytes), 1)} MB at start)`,
      rssTarget,
      partial
        ? `only ${opened} of ${idleRss.sessions_wanted} opened: ${idleRss.first_error ?? ''}`
        : verdict(mb(idleRss.rss_idle_bytes) <= TARGETS.idleRssMb),
    ]);
  } else none('RSS with idle legacy sessions', rssTarget, 'not measured');

  const coldTarget = `≤ ${TARGETS.coldStartMs} ms`;
  if (coldStart) {
    body.push([
      `cold start (median of ${coldStart.runs_ms.length})`,
      `${fixed(coldStart.median_ms, 0)} ms (runs: ${coldStart.runs_ms.join(', ')})`,
      coldTarget,
      verdict(coldStart.median_ms <= TARGETS.coldStartMs),
    ]);
    body.push([
      'of which Node.js starting',
      `${fixed(coldStart.node_median_ms, 0)} ms: Node.js alone to its first line (runs: ${coldStart.node_runs_ms.join(', ')})` +
        (coldStart.extra_ca_certs ? '; NODE_EXTRA_CA_CERTS is set, and every Node.js start reads it' : ''),
      '–',
      '',
    ]);
  } else none('cold start', coldTarget, 'not measured');

  return renderTable(['Custos target', 'measured', 'target', ''], body, 4);
}

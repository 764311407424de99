import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchCase, benchCases, PATHS, type PathName, selectCases } from './cases.ts';
import { runBenchMain } from './child.ts';
import {
  type ColdStartRecord,
  type DiskSyncRecord,
  type IdleRssRecord,
  measureColdStart,
  measureDiskSync,
  measureIdleRss,
} from './footprint.ts';
import { type LoadRow, measureRow, mergeRounds, newResultsFile, warmHop } from './measure.ts';
import { formatLoadTable, formatTargets, hopCpuUsPerCall } from './report.ts';
import {
  custosCommand,
  ensureNginx,
  type Hop,
  staleBuildWarning,
  startCustos,
  startCustosAuth,
  startNginx,
  startNodeBaseline,
  startUpstream,
  writeCustosConfig,
} from './servers.ts';

// `npm run bench`: the same MCP load direct to an upstream, through nginx, a bare Node.js proxy,
// Custos and Custos checking tokens, in one run so the rows share the machine's conditions; then
// the disk's sync, Custos's cold start and idle memory.
// Prints a table and writes every figure as JSONL to bench/results/. See docs/bench.md.

// fdatasync calls timed for the disk's sync figure (each after a 4 KiB append; well under a second).
const DISK_SYNCS = 300;

const USAGE = `usage: npm run bench -- [options]
  --duration S        measured window per row, seconds (default 5)
  --warmup S          uncounted warm-up per row, seconds (default 1)
  --hop-warmup S      load on each path before its first row, in two waves of new sessions, seconds (default 8; half for the 64 KiB result; 0 skips)
  --timeout S         per-call timeout, seconds (default 10)
  --only PATHS        direct, nginx, node, relay, custos, custos-auth, custos-mask, custos-memory, comma-separated (default all)
  --case IDS          case id prefixes, comma-separated, e.g. echo-raw,customer-raw-16 (default all)
  --full              also the SDK client for the 64 KiB result, and every path on every case
  --idle-sessions N   idle legacy sessions for the RSS figure (default 1000; 0 skips)
  --cold-starts N     cold starts to take the median of (default 5; 0 skips)
  --rounds N          measure every row N times, the paths of a case in turn each round (default 1)
  --help`;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const say = (line: string): boolean => process.stderr.write(`${line}\n`);

function listFlag(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function numberFlag(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    fail(`--${name} must be between ${min} and ${max}`);
  return value;
}

function parseFlags() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      'hop-warmup': { type: 'string', default: '8' },
      timeout: { type: 'string', default: '10' },
      only: { type: 'string', multiple: true, default: [] },
      case: { type: 'string', multiple: true, default: [] },
      full: { type: 'boolean', default: false },
      'idle-sessions': { type: 'string', default: '1000' },
      'cold-starts': { type: 'string', default: '5' },
      rounds: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = listFlag(values.only);
  for (const path of only) if (!PATHS.includes(path as PathName)) fail(`unknown path in --only: ${path}`);
  const cases = selectCases(benchCases(values.full), listFlag(values.case));
  if (cases.length === 0)
    fail(
      `--case matches none of: ${benchCases(true)
        .map((c) => c.id)
        .join(', ')}`,
    );
  return {
    timing: {
      durationS: numberFlag(values.duration, 'duration', 0.1, 600),
      warmupS: numberFlag(values.warmup, 'warmup', 0, 60),
      timeoutS: numberFlag(values.timeout, 'timeout', 0.1, 120),
    },
    hopWarmupS: numberFlag(values['hop-warmup'], 'hop-warmup', 0, 600),
    paths: only.length > 0 ? PATHS.filter((p) => only.includes(p)) : [...PATHS],
    cases,
    idleSessions: Math.floor(numberFlag(values['idle-sessions'], 'idle-sessions', 0, 5000)),
    coldStarts: Math.floor(numberFlag(values['cold-starts'], 'cold-starts', 0, 50)),
    rounds: Math.floor(numberFlag(values.rounds, 'rounds', 1, 20)),
  };
}

function nginxVersion(): string | null {
  try {
    return execFileSync('/usr/sbin/nginx', ['-v'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    // `nginx -v` prints to stderr
    return String((err as { stderr?: string }).stderr ?? '').trim() || null;
  }
}

const num = (x: number | null, digits: number): string => (x === null ? '–' : x.toFixed(digits));

function progress(index: number, total: number, row: LoadRow): string {
  const hop = hopCpuUsPerCall(row);
  const figures = row.load_error
    ? `failed: ${row.load_error}`
    : `${num(row.calls_per_s, 0)} calls/s  p50 ${num(row.p50_ms, 2)} ms  p99 ${num(row.p99_ms, 2)} ms` +
      `${row.path !== 'direct' && hop !== null ? `  hop ${hop.toFixed(0)} µs/call` : ''}  errors ${row.errors}`;
  return `[${index}/${total}] ${row.title.padEnd(31)} ${row.path.padEnd(11)}  ${figures}`;
}

/** Warms every path with each tool its rows use, before any row (measure.ts, warmHop: why and how). */
async function warmHops(
  cases: readonly BenchCase[],
  paths: readonly PathName[],
  hops: ReadonlyMap<PathName, Hop>,
  upstreamPids: readonly number[],
  flags: { hopWarmupS: number; timing: { timeoutS: number } },
): Promise<void> {
  for (const path of paths) {
    const hop = hops.get(path);
    if (!hop) continue;
    const tools = [...new Set(cases.filter((c) => c.paths.includes(path)).map((c) => c.tool))];
    for (const tool of tools) {
      const warm = cases.find((c) => c.tool === tool) as BenchCase;
      const totalS = tool === 'echo' ? flags.hopWarmupS : flags.hopWarmupS / 2;
      const calls = await warmHop(warm, path, hop, upstreamPids, totalS, flags.timing.timeoutS);
      say(`bench: warmed ${path} with ${tool}: ${calls.join(', then ')}`);
    }
  }
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const started = Date.now();
  const [loadAtStart = 0] = loadavg();
  if (loadAtStart > 0.5) {
    say(
      `bench: warning: load average ${loadAtStart.toFixed(2)} — other work shares the CPUs; figures will be noisy`,
    );
  }
  const workDir = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  const resultsFile = newResultsFile('bench');
  const record = (value: object): void => appendFileSync(resultsFile, `${JSON.stringify(value)}\n`);
  let keepLogs = false;

  const upstream = await startUpstream(workDir);
  const hops = new Map<PathName, Hop>();
  hops.set('direct', { url: upstream.url, pids: [], child: upstream.child });
  if (flags.paths.includes('nginx')) {
    const missing = ensureNginx();
    if (missing) say(`bench: skipping the nginx rows: ${missing}`);
    else {
      try {
        hops.set('nginx', await startNginx(workDir, upstream.url));
      } catch (err) {
        keepLogs = true;
        say(`bench: skipping the nginx rows: nginx did not start: ${(err as Error).message}`);
      }
    }
  }
  const skipped: Partial<Record<PathName, string>> = {};
  const startHop = async (path: PathName, what: string, start: () => Promise<Hop>): Promise<void> => {
    if (!flags.paths.includes(path)) return;
    try {
      hops.set(path, await start());
    } catch (err) {
      skipped[path] = (err as Error).message;
      keepLogs = true;
      say(`bench: skipping the ${path} rows: ${what} did not start: ${skipped[path]}`);
    }
  };
  await startHop('node', 'bench/node-proxy.ts', () => startNodeBaseline('node-proxy', workDir, upstream.url));
  await startHop('relay', 'bench/relay.ts', () => startNodeBaseline('relay', workDir, upstream.url));
  const runsCustos = flags.paths.some((p) => p.startsWith('custos'));
  if (runsCustos) {
    const stale = staleBuildWarning();
    if (stale) say(`bench: warning: ${stale}`);
    if (!custosCommand().built) say('bench: dist/ is missing; running Custos from src/ through tsx');
  }
  await startHop('custos', 'custos serve', () => {
    const dir = join(workDir, 'custos');
    return startCustos(writeCustosConfig(dir, upstream.url), join(dir, 'custos.log'));
  });
  await startHop('custos-auth', 'custos serve (auth: tokens)', () =>
    startCustosAuth(join(workDir, 'custos-auth'), upstream.url),
  );
  await startHop('custos-mask', 'custos serve (masking)', () => {
    const dir = join(workDir, 'custos-mask');
    return startCustos(writeCustosConfig(dir, upstream.url, undefined, true), join(dir, 'custos.log'));
  });
  await startHop('custos-memory', 'custos serve (store :memory:)', () => {
    const dir = join(workDir, 'custos-memory');
    return startCustos(writeCustosConfig(dir, upstream.url, undefined, false, true), join(dir, 'custos.log'));
  });
  const paths = flags.paths.filter((p) => hops.has(p));
  const rowsOf = (benchCase: BenchCase): PathName[] => paths.filter((p) => benchCase.paths.includes(p));
  const total = flags.cases.reduce((n, c) => n + rowsOf(c).length, 0);
  record({
    kind: 'meta',
    node: process.version,
    cpus: cpus().length,
    load_average_at_start: loadAtStart,
    nginx: hops.has('nginx') ? nginxVersion() : null,
    custos: runsCustos ? (custosCommand().built ? 'dist' : 'src (tsx)') : null,
    skipped,
    duration_s: flags.timing.durationS,
    warmup_s: flags.timing.warmupS,
    hop_warmup_s: flags.hopWarmupS,
    rounds: flags.rounds,
    cases: flags.cases.map((c) => c.id),
    paths,
    at: new Date().toISOString(),
  });
  say(
    `bench: ${total} rows: ${flags.cases.length} cases × ${paths.join(', ')}; ` +
      `${flags.hopWarmupS} s warm-up per path, then ${flags.timing.warmupS} s warm-up + ${flags.timing.durationS} s per row${flags.rounds > 1 ? `, ${flags.rounds} rounds` : ''} (work dir ${workDir})`,
  );
  if (total === 0)
    say(
      'bench: no row: without --full, node runs the echo cases and customer-raw-16 only, custos-auth the raw echo cases',
    );

  if (flags.hopWarmupS > 0) await warmHops(flags.cases, paths, hops, upstream.pids, flags);

  // With --rounds, a case's paths take turns round after round, so a drift in the machine's speed
  // (±30 % over minutes on a shared VM) reaches every path alike instead of whichever ran then.
  const rows: LoadRow[] = [];
  let done = 0;
  for (const benchCase of flags.cases as BenchCase[]) {
    const byPath = new Map<PathName, LoadRow[]>();
    for (let round = 1; round <= flags.rounds; round++) {
      for (const path of rowsOf(benchCase)) {
        const hop = hops.get(path);
        if (!hop) continue;
        const row = await measureRow(benchCase, path, hop, upstream.pids, flags.timing);
        if (row.load_error) keepLogs = true;
        byPath.set(path, [...(byPath.get(path) ?? []), row]);
        record(flags.rounds > 1 ? { ...row, kind: 'load-round', round } : row);
        say(`${progress(++done, total * flags.rounds, row)}${flags.rounds > 1 ? ` (round ${round})` : ''}`);
      }
    }
    if (flags.rounds === 1) rows.push(...[...byPath.values()].flat());
    else
      for (const rounds of byPath.values()) {
        const merged = mergeRounds(rounds);
        rows.push(merged);
        record(merged);
      }
  }
  for (const [path, hop] of hops) if (path !== 'direct') await hop.child.stop();

  let coldStart: ColdStartRecord | null = null;
  let idleRss: IdleRssRecord | null = null;
  let diskSync: DiskSyncRecord | null = null;
  if (hops.has('custos')) {
    diskSync = measureDiskSync(workDir, DISK_SYNCS);
    record(diskSync);
    if (flags.coldStarts > 0) {
      say(`bench: cold start × ${flags.coldStarts} ...`);
      coldStart = await measureColdStart(workDir, upstream.url, flags.coldStarts).catch((err: Error) => {
        say(`bench: cold start failed: ${err.message}`);
        keepLogs = true;
        return null;
      });
      if (coldStart) record(coldStart);
    }
    if (flags.idleSessions > 0) {
      say(`bench: opening ${flags.idleSessions} idle sessions through a fresh Custos ...`);
      idleRss = await measureIdleRss(workDir, upstream.url, flags.idleSessions).catch((err: Error) => {
        say(`bench: idle RSS failed: ${err.message}`);
        keepLogs = true;
        return null;
      });
      if (idleRss) record(idleRss);
    }
  }
  await upstream.child.stop();

  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`\n${formatLoadTable(rows)}\n\n`);
  if (hops.has('custos'))
    process.stdout.write(`${formatTargets(rows, { coldStart, idleRss, diskSync }, cpus().length)}\n\n`);
  process.stdout.write(
    `Node ${process.version}, ${cpus().length} CPUs, load average ${loadAtStart.toFixed(2)} at start, ` +
      `${flags.hopWarmupS} s warm-up per path, then ${flags.timing.warmupS} s warm-up + ${flags.timing.durationS} s per row${flags.rounds > 1 ? ` × ${flags.rounds} rounds (calls/s and latencies: the median round; hop CPU: over every round)` : ''}; whole run ${seconds} s.\n` +
      `hop CPU = user+system CPU of the proxy process (/proc/PID/stat) over the window ÷ calls in it; ` +
      `calls/s drifts ±25 % between runs, hop CPU ±15 % (docs/bench.md).\n` +
      `wrote ${resultsFile}\n`,
  );
  if (keepLogs) process.stdout.write(`server logs kept in ${workDir}\n`);
  else rmSync(workDir, { recursive: true, force: true });
}

runBenchMain('bench', main, true);

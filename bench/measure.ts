import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, PathName } from './cases.ts';
import { trackChild } from './child.ts';
import type { LoadResult } from './load.ts';
import { readCpuMsOf } from './proc.ts';
import { type Hop, REPO_ROOT } from './servers.ts';
import { nearestRank } from './stats.ts';

// One row of the matrix: the load generator in a child process against one path, with the CPU the
// hop and the upstream spent meanwhile read from /proc before and after.

export interface LoadRow extends Partial<LoadResult> {
  kind: 'load';
  case: string;
  title: string;
  path: PathName;
  mode: 'raw' | 'sdk';
  sessions: number;
  tool: string;
  calls: number;
  errors: number;
  calls_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Calls that ended inside the measured window, errors included. */
  window_calls: number;
  /** Every call of the run, warm-up included. */
  total_calls: number;
  /** CPU of the hop's processes over the measured window (null for direct, or if unreadable). */
  hop_cpu_ms: number | null;
  /** The same over the whole load run: session setup, warm-up and window. */
  hop_cpu_run_ms: number | null;
  upstream_cpu_ms: number | null;
  upstream_cpu_run_ms: number | null;
  load_error: string | null;
}

export interface RowTiming {
  durationS: number;
  warmupS: number;
  timeoutS: number;
}

/** CPU of `pids` in ms, or null if one of them is gone (a crashed hop must not end the run). */
function cpuOrNull(pids: readonly number[]): number | null {
  try {
    return readCpuMsOf(pids);
  } catch {
    return null;
  }
}

function difference(after: number | null, before: number | null): number | null {
  return after === null || before === null ? null : after - before;
}

function runLoadProcess(
  args: string[],
  limitMs: number,
  onMark: (name: string) => void,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/load.ts'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    let out = '';
    let pending = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith('mark ')) onMark(line.slice(5));
        else out += `${line}\n`;
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out: out + pending, err });
    });
  });
}

export async function measureRow(
  benchCase: BenchCase,
  path: PathName,
  hop: Hop,
  upstreamPids: readonly number[],
  timing: RowTiming,
): Promise<LoadRow> {
  const hopPids = hop.pids;
  const args = [
    ...[
      '--url',
      hop.url,
      '--label',
      path,
      '--tool',
      benchCase.tool,
      '--args',
      JSON.stringify(benchCase.args),
    ],
    ...(hop.headers ?? []).flatMap((header) => ['--header', header]),
    ...['--mode', benchCase.mode, '--sessions', String(benchCase.sessions)],
    ...['--duration', String(timing.durationS), '--warmup', String(timing.warmupS)],
    ...['--timeout', String(timing.timeoutS), '--json'],
  ];
  const hasHop = hopPids.length > 0;
  const hopRun0 = cpuOrNull(hopPids);
  const upRun0 = cpuOrNull(upstreamPids);
  const marks = new Map<string, { hop: number | null; up: number | null }>();
  const onMark = (name: string): void => {
    marks.set(name, { hop: cpuOrNull(hopPids), up: cpuOrNull(upstreamPids) });
  };
  // The load process has its own hard deadline; this one is a backstop a few seconds later.
  const limitMs = (timing.warmupS + timing.durationS + 2 * timing.timeoutS) * 1000 + 25_000;
  const { code, out, err } = await runLoadProcess([...args, '--marks'], limitMs, onMark);
  const start = marks.get('window-start');
  const end = marks.get('window-end');
  const cpu = {
    hop_cpu_ms: hasHop && start && end ? difference(end.hop, start.hop) : null,
    hop_cpu_run_ms: hasHop ? difference(cpuOrNull(hopPids), hopRun0) : null,
    upstream_cpu_ms: start && end ? difference(end.up, start.up) : null,
    upstream_cpu_run_ms: difference(cpuOrNull(upstreamPids), upRun0),
  };
  const base = {
    kind: 'load' as const,
    case: benchCase.id,
    title: benchCase.title,
    path,
    mode: benchCase.mode,
    sessions: benchCase.sessions,
    tool: benchCase.tool,
    ...cpu,
  };
  const line = out.trim().split('\n').at(-1) ?? '';
  let result: LoadResult | null = null;
  try {
    result = JSON.parse(line) as LoadResult;
  } catch {}
  if (!result) {
    const reason = err.trim().split('\n').at(-1) || `load exited ${code}`;
    return {
      ...base,
      calls: 0,
      errors: 0,
      calls_per_s: 0,
      p50_ms: Number.NaN,
      p99_ms: Number.NaN,
      window_calls: 0,
      total_calls: 0,
      load_error: reason,
    };
  }
  return {
    ...result,
    ...base,
    window_calls: result.calls + result.errors,
    total_calls: result.calls + result.uncounted_calls + result.errors,
    load_error: null,
  };
}

/**
 * Steady state, not JIT warm-up: a gateway runs for days, and V8 keeps compiling its hot paths for
 * the first ~10,000 calls (seconds on this machine), which a 1 s row warm-up does not cover. So
 * every path (the upstream, through `direct`, included) first carries the load of each tool its
 * rows use, raw at 16 sessions, uncounted; cold start is measured on its own.
 *
 * In two waves, each with new connections and sessions: after one wave V8 has optimized for the
 * objects of established connections only, so the first requests of the next load run (a row's
 * new sessions) deoptimize the hot functions, and recompiling them cost ~35 µs per call of the
 * row's window on this machine. A running gateway sees sessions come and go all the time; the
 * second wave lets V8 see that before any row is measured.
 */
const WARM_WAVES = 2;

/** Warms `path` with `warm`'s tool, raw at 16 sessions, for `totalS` in all; what each wave did. */
export async function warmHop(
  warm: BenchCase,
  path: PathName,
  hop: Hop,
  upstreamPids: readonly number[],
  totalS: number,
  timeoutS: number,
): Promise<string[]> {
  const durationS = totalS / WARM_WAVES;
  const waves: string[] = [];
  for (let wave = 0; wave < WARM_WAVES; wave++) {
    const row = await measureRow({ ...warm, mode: 'raw', sessions: 16 }, path, hop, upstreamPids, {
      durationS,
      warmupS: 0,
      timeoutS,
    });
    waves.push(row.load_error ? `failed: ${row.load_error}` : `${row.total_calls} calls in ${durationS} s`);
  }
  return waves;
}

/** A new JSONL file in bench/results/ (git-ignored) named `<prefix>-<UTC time>.jsonl`. */
export function newResultsFile(prefix: string): string {
  const dir = join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${prefix}-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}.jsonl`);
}

/** The load processes' CPU added up over rounds (over their whole runs); absent if a round lacks it. */
function clientCpu(rounds: readonly LoadRow[]): { client_cpu_ms?: number } {
  const total = sumOrNull(rounds.map((r) => r.client_cpu_ms ?? null));
  return total === null ? {} : { client_cpu_ms: total };
}

/** Adds up a figure over rounds; null when any round could not read it. */
function sumOrNull(values: readonly (number | null)[]): number | null {
  let sum = 0;
  for (const v of values) {
    if (v === null) return null;
    sum += v;
  }
  return sum;
}

/**
 * One row out of the same row measured in several rounds (`--rounds`): calls, errors and CPU
 * added up (so CPU per call is over every round's calls), calls/s and latencies the median
 * round's (nearest rank). `rounds` keeps each round's hop CPU per call, to show the spread.
 */
export function mergeRounds(
  rounds: readonly LoadRow[],
): LoadRow & { rounds: number; round_hop_cpu_us: (number | null)[] } {
  const head = rounds[0];
  if (!head) throw new Error('mergeRounds: no round');
  // The client's CPU is added up below, or left out when a round lacks it.
  const { client_cpu_ms: _client, ...first } = head;
  const median = (pick: (r: LoadRow) => number | undefined): number =>
    nearestRank(
      rounds
        .map(pick)
        .filter((v): v is number => v !== undefined && Number.isFinite(v))
        .sort((a, b) => a - b),
      50,
    );
  const sum = (pick: (r: LoadRow) => number): number => rounds.reduce((n, r) => n + pick(r), 0);
  return {
    ...first,
    calls: sum((r) => r.calls),
    errors: sum((r) => r.errors),
    window_calls: sum((r) => r.window_calls),
    total_calls: sum((r) => r.total_calls),
    calls_per_s: median((r) => r.calls_per_s),
    p50_ms: median((r) => r.p50_ms),
    p99_ms: median((r) => r.p99_ms),
    ...(first.p90_ms === undefined ? {} : { p90_ms: median((r) => r.p90_ms) }),
    ...(first.max_ms === undefined ? {} : { max_ms: median((r) => r.max_ms) }),
    hop_cpu_ms: sumOrNull(rounds.map((r) => r.hop_cpu_ms)),
    hop_cpu_run_ms: sumOrNull(rounds.map((r) => r.hop_cpu_run_ms)),
    upstream_cpu_ms: sumOrNull(rounds.map((r) => r.upstream_cpu_ms)),
    upstream_cpu_run_ms: sumOrNull(rounds.map((r) => r.upstream_cpu_run_ms)),
    ...clientCpu(rounds),
    load_error: rounds.find((r) => r.load_error)?.load_error ?? null,
    rounds: rounds.length,
    round_hop_cpu_us: rounds.map((r) =>
      r.hop_cpu_ms === null || r.window_calls === 0
        ? null
        : Math.round((r.hop_cpu_ms * 1000) / r.window_calls),
    ),
  };
}

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type BenchCase, benchCases } from './cases.ts';
import { runBenchMain, trackChild } from './child.ts';
import { measureRow, newResultsFile, warmHop } from './measure.ts';
import { type Hop, startCustos, startNodeBaseline, startUpstream, writeCustosConfig } from './servers.ts';
import { callPhases, type Phases, parsePerfLine, parseProcNetTcp, type Spread } from './syscall-phases.ts';

// Where a hop's added latency goes at one session: for each path, the echo call at 1 session with
// `perf` recording the hop's read, write, writev and fsync system calls (tracepoints: the process
// is not stopped, as `strace` would), then how long the hop held each call between the bytes it
// read and the write it began, and how long its writes and syncs took. docs/bench.md, stop 28.
// Needs `perf` and the right to trace system calls (root, or kernel.perf_event_paranoid ≤ -1).
//
//   node --import tsx bench/phases.ts [--only relay,custos-memory,custos] [--rounds 2]

const USAGE = `usage: node --import tsx bench/phases.ts [options]
  --only PATHS      relay, node, custos, custos-memory, comma-separated (default relay,custos-memory,custos)
  --duration S      measured window per path, seconds (default 5)
  --hop-warmup S    load on each path before it is measured, in two waves of 16 sessions (default 16)
  --rounds N        measure every path N times, the paths in turn each round (default 2)
  --help`;

const PHASE_PATHS = ['relay', 'node', 'custos', 'custos-memory'] as const;
type PhasePath = (typeof PHASE_PATHS)[number];
const EVENTS = ['read', 'write', 'writev', 'fsync']
  .flatMap((call) => [`syscalls:sys_enter_${call}`, `syscalls:sys_exit_${call}`])
  .join(',');

const say = (line: string): boolean => process.stderr.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`bench/phases: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseFlags() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      duration: { type: 'string', default: '5' },
      'hop-warmup': { type: 'string', default: '16' },
      rounds: { type: 'string', default: '2' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const paths = (values.only ?? 'relay,custos-memory,custos').split(',').map((p) => p.trim());
  for (const p of paths) if (!(PHASE_PATHS as readonly string[]).includes(p)) fail(`unknown path "${p}"`);
  return {
    paths: paths as PhasePath[],
    durationS: number('duration', values.duration, 1, 60),
    hopWarmupS: number('hop-warmup', values['hop-warmup'], 0, 120),
    rounds: Math.round(number('rounds', values.rounds, 1, 10)),
  };
}

/** Why `perf` cannot trace here, or null when it can. */
function perfMissing(): string | null {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'needs `perf` (Debian: linux-perf) on the PATH';
  }
  let listed = '';
  try {
    listed = execFileSync('perf', ['list', 'syscalls:sys_enter_writev'], { stdio: 'pipe' }).toString();
  } catch {}
  // Without the right to trace, perf lists no tracepoint (and still exits 0).
  return listed.includes('syscalls:sys_enter_writev')
    ? null
    : 'perf cannot see the syscalls tracepoints (run as root, or with kernel.perf_event_paranoid ≤ -1)';
}

const portOf = (url: string): number => Number(new URL(url).port);

/** The hop's sockets now: to its clients (local port = the hop's) and to the upstream. */
function socketFds(
  pid: number,
  hopPort: number,
  upstreamPort: number,
): { client: number[]; upstream: number[] } {
  const ports = new Map<number, { localPort: number; remotePort: number }>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const s = parseProcNetTcp(line);
      if (s) ports.set(s.inode, s);
    }
  }
  const client: number[] = [];
  const upstream: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const s = inode === undefined ? undefined : ports.get(Number(inode));
    if (!s) continue;
    if (s.localPort === hopPort && s.remotePort !== 0) client.push(Number(fd));
    else if (s.remotePort === upstreamPort) upstream.push(Number(fd));
  }
  return { client, upstream };
}

/** One measured window of `path` at 1 session with perf tracing the hop's system calls. */
async function traced(
  workDir: string,
  path: PhasePath,
  hop: Hop,
  upstream: Hop,
  echo: BenchCase,
  durationS: number,
): Promise<{ phases: Phases; callsPerS: number; p50Ms: number }> {
  const pid = hop.pids[0] as number;
  const file = join(workDir, `perf-${path}.data`);
  const perf = spawn('perf', ['record', '-q', '-e', EVENTS, '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackChild(perf);
  const perfExited = once(perf, 'exit');
  let perfErr = '';
  perf.stderr.on('data', (d: Buffer) => {
    perfErr += d.toString();
  });
  await sleep(500); // perf attaches
  // The sockets are read while the load runs (the client's close when it ends), twice a second.
  const hopPort = portOf(hop.url);
  const upstreamPort = portOf(upstream.url);
  const clientFds = new Set<number>();
  const upstreamFds = new Set<number>();
  const snapshot = setInterval(() => {
    const now = socketFds(pid, hopPort, upstreamPort);
    for (const fd of now.client) clientFds.add(fd);
    for (const fd of now.upstream) upstreamFds.add(fd);
  }, 500);
  const row = await measureRow(echo, path, hop, upstream.pids, { durationS, warmupS: 1, timeoutS: 10 });
  clearInterval(snapshot);
  if (perf.exitCode === null && perf.signalCode === null) perf.kill('SIGINT');
  await perfExited;
  if (row.load_error) throw new Error(`the load failed: ${row.load_error}`);
  if (clientFds.size === 0 || upstreamFds.size === 0) throw new Error(`no sockets of ${path} found`);
  let script: string;
  try {
    script = execFileSync('perf', ['script', '-F', 'tid,time,event,trace', '-i', file], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch (err) {
    throw new Error(`perf did not record: ${perfErr.trim() || (err as Error).message}`);
  }
  rmSync(file, { force: true });
  const events = [];
  for (const line of script.split('\n')) {
    const e = parsePerfLine(line);
    if (e) events.push(e);
  }
  const phases = callPhases(events, pid, clientFds, upstreamFds);
  return { phases, callsPerS: row.calls_per_s, p50Ms: row.p50_ms };
}

const LABELS: readonly [keyof Phases, string][] = [
  ['request', "the client's request read → its write to the upstream begun"],
  ['answer', "the upstream's answer read → its write to the client begun"],
  ['fsync', 'an fsync (the commit before the answer)'],
  ['writeUpstream', 'a write to the upstream (the system call)'],
  ['writeClient', 'a write to the client (the system call)'],
];

const cell = (s: Spread | null): string =>
  s ? `${s.p50.toFixed(0)} (${s.p10.toFixed(0)}–${s.p90.toFixed(0)})` : '–';

async function main(): Promise<void> {
  const flags = parseFlags();
  const missing = perfMissing();
  if (missing) fail(missing);
  const [load = 0] = loadavg();
  if (load > 0.5) say(`bench/phases: warning: load average ${load.toFixed(2)}; figures will be noisy`);
  const workDir = mkdtempSync(join(tmpdir(), 'custos-phases-'));
  const resultsFile = newResultsFile('phases');
  const cases = benchCases(false);
  const echo = cases.find((c) => c.id === 'echo-raw-1') as BenchCase;
  const warm = cases.find((c) => c.id === 'echo-raw-16') as BenchCase;

  const upstream = await startUpstream(workDir);
  const hops = new Map<PhasePath, Hop>();
  for (const path of flags.paths) {
    if (path === 'relay' || path === 'node')
      hops.set(
        path,
        await startNodeBaseline(path === 'node' ? 'node-proxy' : 'relay', workDir, upstream.url),
      );
    else {
      const dir = join(workDir, path);
      const config = writeCustosConfig(dir, upstream.url, undefined, false, path === 'custos-memory');
      hops.set(path, await startCustos(config, join(dir, 'custos.log')));
    }
  }
  if (flags.hopWarmupS > 0) {
    for (const [path, hop] of hops) {
      const waves = await warmHop(warm, path, hop, upstream.pids, flags.hopWarmupS, 10);
      say(`bench/phases: warmed ${path}: ${waves.join(', then ')}`);
    }
  }
  const table = new Map<PhasePath, string[]>();
  for (let round = 1; round <= flags.rounds; round++) {
    for (const [path, hop] of hops) {
      const r = await traced(workDir, path, hop, upstream, echo, flags.durationS);
      appendFileSync(resultsFile, `${JSON.stringify({ kind: 'phases', path, round, ...r })}\n`);
      say(
        `bench/phases: ${path} round ${round}: ${r.callsPerS.toFixed(0)} calls/s, p50 ${r.p50Ms.toFixed(2)} ms, ` +
          `request ${cell(r.phases.request)} µs, answer ${cell(r.phases.answer)} µs`,
      );
      const column = table.get(path) ?? LABELS.map(() => '');
      LABELS.forEach(([key], i) => {
        column[i] = `${column[i] ? `${column[i]} / ` : ''}${cell(r.phases[key])}`;
      });
      table.set(path, column);
    }
  }
  for (const hop of hops.values()) await hop.child.stop();
  await upstream.child.stop();
  rmSync(workDir, { recursive: true, force: true });

  const paths = [...table.keys()];
  const rows = LABELS.map(([, label], i) => [label, ...paths.map((p) => table.get(p)?.[i] ?? '')]);
  const header = ['µs at 1 session, p50 (p10–p90), round by round', ...paths];
  process.stdout.write(
    `\n| ${header.join(' | ')} |\n|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|\n` +
      `${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nwrote ${resultsFile}\n`,
  );
}

runBenchMain('bench/phases', main, false);

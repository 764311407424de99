import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { type BenchSession, createRawSession } from './raw-session.ts';
import { createSdkSession } from './sdk-session.ts';
import { summarizeLatencies } from './stats.ts';

// Closed-loop MCP load generator, run in its own process so its CPU is not the gateway's:
//   node --import tsx bench/load.ts --url http://127.0.0.1:8801/mcp --tool echo --args '{"message":"hi"}' \
//     --sessions 16 --duration 5 --warmup 1 --mode raw|sdk [--header 'K: V']... [--timeout 10] [--json] [--marks]
// --marks prints `mark window-start` and `mark window-end` lines when the measured window opens and
// closes, so a parent can read the servers' CPU over exactly that window.
// Each session initializes once (not timed), then sends tools/call back to back, one in flight per
// session. Only calls that complete inside the window after the warm-up are counted. Loopback only.

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export interface LoadResult {
  label: string;
  url: string;
  mode: 'raw' | 'sdk';
  tool: string;
  sessions: number;
  duration_s: number;
  warmup_s: number;
  calls: number;
  calls_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  errors: number;
  first_error: string | null;
  /** Calls made outside the window (warm-up, or ending after it). */
  uncounted_calls: number;
  /** Body size of the last answer in raw mode, in bytes. */
  last_response_bytes: number | null;
  /** CPU of this load process over the whole run, in ms. */
  client_cpu_ms: number;
  node: string;
  at: string;
}

function fail(message: string): never {
  process.stderr.write(`load: ${message}\n`);
  process.exit(2);
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 1) fail(`bad --header ${line}`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function parseToolArgs(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  return fail('--args must be a JSON object');
}

/** The SDK client's shared AbortSignal trips MaxListenersExceededWarning on long runs; say it once. */
function printEachWarningOnce(): void {
  const seen = new Set<string>();
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (seen.has(w.name)) return;
    seen.add(w.name);
    process.stderr.write(`load: ${w.name}: ${w.message} (repeats hidden)\n`);
  });
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      url: { type: 'string' },
      tool: { type: 'string', default: 'echo' },
      args: { type: 'string', default: '{}' },
      sessions: { type: 'string', default: '1' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      mode: { type: 'string', default: 'raw' },
      header: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '10' },
      label: { type: 'string', default: '' },
      json: { type: 'boolean', default: false },
      marks: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!o.url) fail('--url is required');
  const url = new URL(o.url);
  if (!LOOPBACK.test(url.hostname)) fail(`refusing non-loopback target ${url.hostname}`);
  if (o.mode !== 'raw' && o.mode !== 'sdk') fail('--mode must be raw or sdk');
  const mode = o.mode;
  const sessions = Number(o.sessions);
  const duration = Number(o.duration);
  const warmup = Number(o.warmup);
  const timeoutMs = Number(o.timeout) * 1000;
  const valid =
    Number.isInteger(sessions) &&
    sessions >= 1 &&
    sessions <= 1024 &&
    duration > 0 &&
    duration <= 600 &&
    warmup >= 0 &&
    warmup <= 60 &&
    timeoutMs > 0 &&
    timeoutMs <= 120_000;
  if (!valid) fail('bad --sessions/--duration/--warmup/--timeout');

  printEachWarningOnce();
  // Whatever happens, this process ends: init + warm-up + window + two call timeouts + margin.
  setTimeout(
    () => {
      process.stderr.write('load: hard deadline reached\n');
      process.exit(3);
    },
    (warmup + duration) * 1000 + 2 * timeoutMs + 15_000,
  ).unref();

  const headers = parseHeaders(o.header);
  const args = parseToolArgs(o.args);
  const pool = new Pool(url.origin, { connections: sessions * 2, keepAliveTimeout: 30_000, pipelining: 1 });
  const sessionOptions = { url, headers, timeoutMs, tool: o.tool, args };
  let lastBytes: number | null = null;
  const onBody = (bytes: number): void => {
    lastBytes = bytes;
  };
  const all: BenchSession[] = Array.from({ length: sessions }, () =>
    mode === 'raw' ? createRawSession({ ...sessionOptions, pool, onBody }) : createSdkSession(sessionOptions),
  );
  try {
    await Promise.all(all.map((s) => s.init()));
  } catch (err) {
    fail(`initialize failed: ${(err as Error).message}`);
  }

  const now = process.hrtime.bigint;
  const windowStart = now() + BigInt(Math.round(warmup * 1e9));
  const windowEnd = windowStart + BigInt(Math.round(duration * 1e9));
  if (o.marks) {
    const mark = (name: string): boolean => process.stdout.write(`mark ${name}\n`);
    setTimeout(() => mark('window-start'), warmup * 1000);
    setTimeout(() => mark('window-end'), (warmup + duration) * 1000);
  }
  const latencies: number[] = [];
  let errors = 0;
  let uncounted = 0;
  let firstError: string | null = null;
  await Promise.all(
    all.map(async (session) => {
      while (now() < windowEnd) {
        const start = now();
        let ok = true;
        try {
          await session.call();
        } catch (err) {
          ok = false;
          firstError ??= (err as Error).message;
        }
        const end = now();
        if (end < windowStart || end > windowEnd) uncounted++;
        else if (ok) latencies.push(Number(end - start) / 1e6);
        else errors++;
      }
    }),
  );
  await Promise.allSettled(all.map((s) => s.close()));
  await pool.close();

  const cpu = process.cpuUsage();
  const summary = summarizeLatencies(latencies);
  const result: LoadResult = {
    label: o.label,
    url: o.url,
    mode,
    tool: o.tool,
    sessions,
    duration_s: duration,
    warmup_s: warmup,
    calls: latencies.length,
    calls_per_s: round3(latencies.length / duration),
    ...summary,
    errors,
    first_error: firstError,
    uncounted_calls: uncounted,
    last_response_bytes: lastBytes,
    client_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    node: process.version,
    at: new Date().toISOString(),
  };
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `${o.label ? `${o.label}: ` : ''}${mode} ${o.tool} sessions=${sessions} ${duration}s  ` +
        `calls/s=${result.calls_per_s}  p50=${result.p50_ms}ms p99=${result.p99_ms}ms  errors=${errors}` +
        `${firstError ? ` (first: ${firstError})` : ''}\n`,
    );
  }
  process.exit(errors > 0 && latencies.length === 0 ? 1 : 0);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (import.meta.filename === process.argv[1]) await main();

import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { readRssBytes } from './proc.ts';
import { type BenchSession, createRawSession } from './raw-session.ts';
import { startCustos, timeCustosStart, timeNodeStart, writeCustosConfig } from './servers.ts';
import { nearestRank } from './stats.ts';

// What Custos costs before any load: how fast it starts, and how much memory idle sessions hold.

export interface ColdStartRecord {
  kind: 'cold_start';
  runs_ms: number[];
  median_ms: number;
  /** Node.js alone, started the same way and timed to its first line: what any Node.js program pays here. */
  node_runs_ms: number[];
  node_median_ms: number;
  /** NODE_EXTRA_CA_CERTS is set: every Node.js start reads and parses that file before anything runs. */
  extra_ca_certs: boolean;
}

export interface IdleRssRecord {
  kind: 'idle_rss';
  sessions_wanted: number;
  sessions_opened: number;
  open_errors: number;
  first_error: string | null;
  rss_start_bytes: number;
  rss_idle_bytes: number;
  open_s: number;
}

export interface DiskSyncRecord {
  kind: 'disk_sync';
  syncs: number;
  p10_us: number;
  p50_us: number;
  p90_us: number;
}

const OPEN_CONCURRENCY = 16;
const OPEN_DEADLINE_MS = 120_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Spawns `custos serve` `runs` times, each on a fresh SQLite file, timing spawn → `custos listening
 * on`; and, before each, Node.js alone (spawn → its first line), so the figure can be read against
 * what this machine charges any Node.js program for starting.
 */
export async function measureColdStart(
  workDir: string,
  upstreamUrl: string,
  runs: number,
): Promise<ColdStartRecord> {
  const times: number[] = [];
  const nodeTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = join(workDir, `cold-${i}`);
    const config = writeCustosConfig(dir, upstreamUrl);
    nodeTimes.push(Math.round(await timeNodeStart(join(dir, 'node.log'))));
    times.push(Math.round(await timeCustosStart(config, join(dir, 'custos.log'))));
  }
  return {
    kind: 'cold_start',
    runs_ms: times,
    median_ms: median(times),
    node_runs_ms: nodeTimes,
    node_median_ms: median(nodeTimes),
    extra_ca_certs: Boolean(process.env.NODE_EXTRA_CA_CERTS),
  };
}

/**
 * What one durable commit waits for at the least: `fdatasync` after a 4 KiB append, `syncs` times,
 * on a file in `workDir` (the disk the Custos rows keep their SQLite store on). Every answer waits
 * for the sync of the commit that holds its event, so at 1 session this is a floor under the p50
 * that durable audit adds (docs/audit.md).
 */
export function measureDiskSync(workDir: string, syncs: number): DiskSyncRecord {
  const path = join(workDir, 'disk-sync.bin');
  const block = Buffer.alloc(4096, 0x5a);
  const us: number[] = [];
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < syncs; i++) {
      writeSync(fd, block);
      const start = process.hrtime.bigint();
      fdatasyncSync(fd);
      us.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  us.sort((a, b) => a - b);
  return {
    kind: 'disk_sync',
    syncs,
    p10_us: nearestRank(us, 10),
    p50_us: nearestRank(us, 50),
    p90_us: nearestRank(us, 90),
  };
}

/**
 * Starts a fresh Custos, opens `count` legacy sessions through it (initialize +
 * notifications/initialized, then nothing), and reads its VmRSS once they sit idle.
 */
export async function measureIdleRss(
  workDir: string,
  upstreamUrl: string,
  count: number,
): Promise<IdleRssRecord> {
  const dir = join(workDir, 'idle');
  mkdirSync(dir, { recursive: true });
  const custos = await startCustos(writeCustosConfig(dir, upstreamUrl), join(dir, 'custos.log'));
  try {
    await new Promise((r) => setTimeout(r, 500));
    const rssStart = readRssBytes(custos.child.pid);
    const url = new URL(custos.url);
    const pool = new Pool(url.origin, { connections: OPEN_CONCURRENCY, keepAliveTimeout: 30_000 });
    const sessions: BenchSession[] = [];
    let errors = 0;
    let firstError: string | null = null;
    let next = 0;
    const started = performance.now();
    const deadline = started + OPEN_DEADLINE_MS;
    const opener = async (): Promise<void> => {
      while (next < count && performance.now() < deadline) {
        next++;
        const session = createRawSession({
          pool,
          url,
          headers: {},
          timeoutMs: 10_000,
          tool: 'echo',
          args: {},
        });
        try {
          await session.init();
          sessions.push(session);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
    const openS = (performance.now() - started) / 1000;
    // Let the allocation burst settle (GC, SQLite group commit) before reading what stays resident.
    await new Promise((r) => setTimeout(r, 1_500));
    const rssIdle = readRssBytes(custos.child.pid);
    await pool.destroy();
    return {
      kind: 'idle_rss',
      sessions_wanted: count,
      sessions_opened: sessions.length,
      open_errors: errors,
      first_error: firstError,
      rss_start_bytes: rssStart,
      rss_idle_bytes: rssIdle,
      open_s: Math.round(openS * 100) / 100,
    };
  } finally {
    await custos.child.stop();
  }
}

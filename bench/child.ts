import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

// Child processes for the benchmark: started with a bounded wait for their "ready" line, logged
// to a file, and stopped by their own PID — on success, failure and Ctrl-C alike.

export interface RunningChild {
  pid: number;
  process: ChildProcess;
  /** Milliseconds from spawn() to the ready line. */
  readyMs: number;
  /** The ready line's regex match (empty when readiness was a port). */
  match: RegExpExecArray | string[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Grandchildren to kill too, e.g. nginx workers, which outlive a SIGKILLed master. */
const extraPids = new Set<number>();

/** Makes killAllChildren() cover a child spawned elsewhere (the load generator). */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Makes killAllChildren() cover a process our child started. */
export function trackPid(pid: number): void {
  extraPids.add(pid);
}

/** Kills every child still running (SIGKILL); for process exit. */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {} // already gone
  }
  extraPids.clear();
}

/**
 * Runs a bench entry point: every child is killed when the process exits, on Ctrl-C and SIGTERM,
 * and on a failure, which is printed as `name: …` (its stack with `stack`).
 */
export function runBenchMain(name: string, main: () => Promise<void>, stack: boolean): void {
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  main().catch((err: unknown) => {
    const e = err as Error;
    process.stderr.write(`${name}: ${(stack ? e.stack : e.message) ?? String(err)}\n`);
    killAllChildren();
    process.exit(1);
  });
}

function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      running.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface SpawnOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** A line of stdout that says the child is ready, or a loopback port it will accept on. */
  ready: RegExp | { port: number };
  timeoutMs: number;
}

/** Spawns a child and resolves once `ready` matches a line of its stdout; rejects on exit or timeout. */
export function spawnUntilReady(options: SpawnOptions): Promise<RunningChild> {
  const log = openSync(options.logFile, 'a');
  const started = performance.now();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', log],
  });
  running.add(child);
  return new Promise((resolve, reject) => {
    let pending = '';
    let settled = false;
    const settle = (err: Error | null, match?: RegExpExecArray | string[], readyMs = 0): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err || !match || child.pid === undefined) {
        stopChild(child, 500).then(() => reject(err ?? new Error('no pid')));
        return;
      }
      resolve({ pid: child.pid, process: child, readyMs, match, stop: () => stopChild(child) });
    };
    const timer = setTimeout(
      () => settle(new Error(`not ready within ${options.timeoutMs} ms (log: ${options.logFile})`)),
      options.timeoutMs,
    );
    const { ready } = options;
    child.stdout?.on('data', (chunk: Buffer) => {
      const at = performance.now();
      writeSync(log, chunk);
      if (settled || !(ready instanceof RegExp)) return; // keep draining: a full pipe would block the child
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const match = ready.exec(pending.slice(0, newline));
        if (match) return settle(null, match, at - started);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    if (!(ready instanceof RegExp)) {
      const poll = (): void => {
        if (settled) return;
        canConnect(ready.port).then((ok) =>
          ok ? settle(null, [], performance.now() - started) : setTimeout(poll, 25),
        );
      };
      poll();
    }
    child.once('error', (err) => settle(err));
    child.once('exit', (code, signal) => {
      running.delete(child);
      settle(new Error(`exited (${signal ?? code}) before ready (log: ${options.logFile})`));
    });
    child.once('close', () => closeSync(log));
  });
}

/** A free loopback TCP port (bound and released; fine for a benchmark on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

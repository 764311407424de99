import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// npm's @modelcontextprotocol/server-everything (an SDK v1 server), run as the real package
// does: over stdio as a gateway-spawned child, or as its own Streamable HTTP process.

export const EVERYTHING_ENTRY = fileURLToPath(
  new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url),
);

/** The gateway's config for the stdio variant. */
export function everythingStdioConfig(): Record<string, unknown> {
  return { stdio: { command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] } };
}

export interface EverythingHttp {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** A port nobody listens on right now (the server reads its port from $PORT, so 0 is no use). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', resolve);
  });
  const addr = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** Starts `index.js streamableHttp` on a free port and waits until it listens. */
export async function startEverythingHttp(timeoutMs = 20_000): Promise<EverythingHttp> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [EVERYTHING_ENTRY, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server-everything did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      if (err.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything exited with ${code}: ${err}`));
    });
  });
  child.stderr?.resume();
  const pid = child.pid as number;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    pid,
    close() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}

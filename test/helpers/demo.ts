import { type ChildProcess, spawn } from 'node:child_process';

export interface RunningDemo {
  child: ChildProcess;
  /** Everything the demo printed to stdout. */
  out: string;
  /** Route name → MCP URL, from its `custos route` lines. */
  routes: Map<string, string>;
  /** Persona → the bearer token the demo printed for it. */
  tokens: Map<string, string>;
  stop: () => Promise<void>;
}

/** Spawns `node <args>` (a CLI entry and `demo …`) and resolves once the demo says it is ready. */
export function startDemo(args: string[], timeoutMs = 30_000): Promise<RunningDemo> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      void stop();
      reject(new Error(`demo did not start: ${out}${err}`));
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('Ctrl-C')) return;
      clearTimeout(t);
      const tokens = new Map<string, string>();
      for (const m of out.matchAll(/^ {2}(\w+) +.*\n {9}(\S+)$/gm))
        tokens.set(m[1] as string, m[2] as string);
      const routes = new Map(
        [...out.matchAll(/custos route (\S+) (\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
      );
      resolve({ child, out, routes, tokens, stop });
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`demo exited with ${code}: ${err}`));
    });
  });
}

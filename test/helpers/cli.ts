import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts');

/** Writes `text` to a fresh temporary directory and returns the file's path. */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'custos-test-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Runs the CLI to completion (with a bound) and returns its exit code and output. */
export function runCli(
  args: string[],
  opts: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`custos ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface ServingCli {
  child: ChildProcess;
  url: string;
  routes: Map<string, string>;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `custos serve --config file` and resolves once it printed its routes. */
export function serveCli(configFile: string, timeoutMs = 20_000): Promise<ServingCli> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const routes = new Map<string, string>();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`custos serve did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const listening = /custos listening on (\S+)/.exec(out);
      for (const m of out.matchAll(/custos route (\S+) (\S+)/g)) routes.set(m[1] as string, m[2] as string);
      if (listening && out.endsWith('\n') && routes.size > 0) {
        clearTimeout(t);
        resolvePromise({ child, url: listening[1] as string, routes, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`custos serve exited with ${code}: ${err}`));
    });
  });
}

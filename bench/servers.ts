import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { issueGatewayToken } from '../src/identity/gateway-tokens.ts';
import { loadOrCreateSigningKey } from '../src/identity/signing-key.ts';
import { freePort, type RunningChild, spawnUntilReady, trackPid } from './child.ts';
import { readChildPids } from './proc.ts';

// The things under measurement, each in its own process so its CPU can be read apart: the bench
// upstream, and in front of it nginx, a bare Node.js proxy, Custos, and Custos checking tokens.

export const REPO_ROOT = resolve(import.meta.dirname, '..');
const NGINX = '/usr/sbin/nginx';
const DIST_CLI = join(REPO_ROOT, 'dist/bundle/main.js');
const SOURCE_CLI = join(REPO_ROOT, 'src/cli/main.ts');
/** Lifetime of the custos-auth rows' gateway token: longer than any run. */
const TOKEN_TTL_S = 3600;

export interface Hop {
  /** The MCP endpoint a client calls. */
  url: string;
  /** Processes whose CPU counts as this hop's (nginx: master and workers). */
  pids: number[];
  child: RunningChild;
  /** Extra `--header 'K: V'` lines for the load generator (custos-auth: the bearer token). */
  headers?: readonly string[];
}

export async function startUpstream(workDir: string): Promise<Hop> {
  const child = await spawnUntilReady({
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'bench/upstream.ts'), '--port', '0'],
    cwd: REPO_ROOT,
    logFile: join(workDir, 'upstream.log'),
    ready: /^upstream listening on (\S+)/,
    timeoutMs: 20_000,
  });
  return { url: child.match[1] ?? '', pids: [child.pid], child };
}

/**
 * Makes sure nginx is there: installs the Debian package when running as root, else says why the
 * nginx rows are skipped. Returns null when nginx can be used, else the reason it cannot.
 */
export function ensureNginx(): string | null {
  if (existsSync(NGINX)) return null;
  if (process.getuid?.() !== 0) return `${NGINX} is missing and we are not root to install it`;
  process.stderr.write('bench: installing nginx (apt-get install -y nginx) ...\n');
  const install = (): void => {
    execFileSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'ignore', timeout: 180_000 });
  };
  try {
    install();
  } catch {
    try {
      execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 180_000 });
      install();
    } catch (err) {
      return `apt-get install nginx failed: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  return existsSync(NGINX) ? null : `${NGINX} still missing after apt-get install`;
}

export async function startNginx(workDir: string, upstreamUrl: string): Promise<Hop> {
  const prefix = join(workDir, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const port = await freePort();
  const upstream = new URL(upstreamUrl);
  const config = readFileSync(join(REPO_ROOT, 'bench/nginx.conf'), 'utf8')
    .replaceAll('{{LISTEN}}', `127.0.0.1:${port}`)
    .replaceAll('{{UPSTREAM}}', upstream.host);
  writeFileSync(join(prefix, 'nginx.conf'), config);
  const child = await spawnUntilReady({
    command: NGINX,
    args: [
      '-p',
      `${prefix}/`,
      '-c',
      join(prefix, 'nginx.conf'),
      '-e',
      join(prefix, 'error.log'),
      '-g',
      'daemon off;',
    ],
    cwd: prefix,
    logFile: join(workDir, 'nginx.log'),
    ready: { port },
    timeoutMs: 10_000,
  });
  // The master binds the port before it forks its worker; wait (bounded) for the worker to exist.
  let workers = readChildPids(child.pid);
  for (let i = 0; i < 100 && workers.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    workers = readChildPids(child.pid);
  }
  for (const pid of workers) trackPid(pid);
  return { url: `http://127.0.0.1:${port}${upstream.pathname}`, pids: [child.pid, ...workers], child };
}

/**
 * The Node.js baselines in front of the upstream, each a script in bench/ that prints
 * `<name> listening on URL`: `node-proxy` (node:http and undici, the floor of a Node.js HTTP proxy)
 * and `relay` (bytes between sockets, the floor of any Node.js process on the path).
 */
export async function startNodeBaseline(
  name: 'node-proxy' | 'relay',
  workDir: string,
  upstreamUrl: string,
): Promise<Hop> {
  const child = await spawnUntilReady({
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, `bench/${name}.ts`), '--upstream', upstreamUrl, '--port', '0'],
    cwd: REPO_ROOT,
    logFile: join(workDir, `${name}.log`),
    ready: new RegExp(`^${name} listening on (\\S+)`),
    timeoutMs: 20_000,
  });
  return { url: child.match[1] ?? '', pids: [child.pid], child };
}

/** The Custos entry point: the built CLI, or the TypeScript source through tsx if dist/ is missing. */
export function custosCommand(): { args: string[]; built: boolean } {
  if (existsSync(DIST_CLI)) return { args: [DIST_CLI], built: true };
  return { args: ['--import', 'tsx', SOURCE_CLI], built: false };
}

/** Warns when a file under src/ is newer than the built CLI: the figures would be for old code. */
export function staleBuildWarning(): string | null {
  if (!existsSync(DIST_CLI)) return null;
  const built = statSync(DIST_CLI).mtimeMs;
  const src = join(REPO_ROOT, 'src');
  const newer = readdirSync(src, { recursive: true, encoding: 'utf8' }).find(
    (file) => file.endsWith('.ts') && statSync(join(src, file)).mtimeMs > built,
  );
  return newer ? `dist/ is older than src/${newer}; run \`npm run build\` to measure the current code` : null;
}

/** A Custos config in `dir`; with `keyFile`, `auth.mode: tokens` accepting gateway tokens signed by it. */
export function writeCustosConfig(
  dir: string,
  upstreamUrl: string,
  keyFile?: string,
  masking = false,
  memoryStore = false,
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'custos.yaml');
  const auth = keyFile
    ? `auth: { mode: tokens, gatewayTokens: { keyFile: ${JSON.stringify(keyFile)}, maxTtlSeconds: ${TOKEN_TTL_S} } }`
    : 'auth: { mode: none }';
  writeFileSync(
    file,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      auth,
      `store: { sqlite: { path: ${JSON.stringify(memoryStore ? ':memory:' : join(dir, 'custos.db'))} } }`,
      'servers:',
      '  bench:',
      `    http: { url: ${JSON.stringify(upstreamUrl)} }`,
      ...(masking ? ['    masking: { profile: default }'] : []),
      '',
    ].join('\n'),
  );
  return file;
}

/** Starts `custos serve --config <file>` and resolves once the bench route is printed. */
export async function startCustos(configFile: string, logFile: string): Promise<Hop> {
  const child = await spawnUntilReady({
    command: process.execPath,
    args: [...custosCommand().args, 'serve', '--config', configFile],
    cwd: REPO_ROOT,
    logFile,
    ready: /^custos route bench (\S+)/,
    timeoutMs: 20_000,
  });
  return { url: child.match[1] ?? '', pids: [child.pid], child };
}

/**
 * Starts Custos with `auth.mode: tokens` and a fresh signing key in `dir`, and mints the gateway
 * token the load presents on every call. The token goes only into the load generator's arguments;
 * it is never printed or written to the results.
 */
export async function startCustosAuth(dir: string, upstreamUrl: string): Promise<Hop> {
  const keyFile = join(dir, 'signing-key.json');
  mkdirSync(dir, { recursive: true });
  const { token } = await issueGatewayToken(await loadOrCreateSigningKey(keyFile), {
    subject: 'custos:bench',
    groups: [],
    ttlSeconds: TOKEN_TTL_S,
    maxTtlSeconds: TOKEN_TTL_S,
  });
  const hop = await startCustos(writeCustosConfig(dir, upstreamUrl, keyFile), join(dir, 'custos.log'));
  return { ...hop, headers: [`Authorization: Bearer ${token}`] };
}

/** Spawns Node.js with `args` and resolves with the ms until a stdout line matches `ready`, then stops it. */
async function timeStart(args: readonly string[], logFile: string, ready: RegExp): Promise<number> {
  const child = await spawnUntilReady({
    command: process.execPath,
    args,
    cwd: REPO_ROOT,
    logFile,
    ready,
    timeoutMs: 20_000,
  });
  await child.stop();
  return child.readyMs;
}

/** Spawns Custos and resolves with the ms until its `custos listening on` line, then stops it. */
export function timeCustosStart(configFile: string, logFile: string): Promise<number> {
  return timeStart(
    [...custosCommand().args, 'serve', '--config', configFile],
    logFile,
    /^custos listening on /,
  );
}

/** Node.js with nothing to run but a line on stdout, timed as Custos is (spawn → that line). */
export function timeNodeStart(logFile: string): Promise<number> {
  return timeStart(
    ['-e', "process.stdout.write('ready\\n'); setInterval(() => {}, 1000);"],
    logFile,
    /^ready$/,
  );
}

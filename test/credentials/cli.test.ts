import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fingerprintSync } from '../../src/credentials/index.ts';
import { runCli } from '../helpers/cli.ts';

// `custos credentials status` run as its own process, so the assertions are on its real stdout
// and stderr.

const SECRET = 'fake-secret-DO-NOT-USE-1234';

const runStatus = (args: string[], env: Record<string, string> = {}) =>
  runCli(['credentials', 'status', ...args], { env });

const dir = mkdtempSync(join(tmpdir(), 'custos-cli-cred-'));
writeFileSync(join(dir, 'crm-token'), `${SECRET}\n`);
writeFileSync(join(dir, 'client-secret'), SECRET);
const configFile = join(dir, 'custos.yaml');
writeFileSync(
  configFile,
  `auth: { mode: none }
servers:
  crm:
    http: { url: 'http://127.0.0.1:1/mcp' }
    credentials: { file: '${join(dir, 'crm-token')}' }
  tool:
    stdio: { command: x }
    credentials: { env: CUSTOS_TEST_CLI_KEY, envVar: TOOL_KEY }
  docs:
    http: { url: 'http://127.0.0.1:1/mcp' }
    credentials:
      tokenExchange: { tokenEndpoint: 'http://127.0.0.1:1/token', clientId: gw, clientSecretFile: '${join(dir, 'client-secret')}' }
  broken:
    http: { url: 'http://127.0.0.1:1/mcp' }
    credentials: { file: '${join(dir, 'missing')}' }
`,
);

test('status prints source, fingerprint, time and state per server, never the secret', async () => {
  const r = await runStatus(['--config', configFile], { CUSTOS_TEST_CLI_KEY: SECRET });
  assert.equal(r.code, 1, 'one credential is unavailable');
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the secret is never printed');
  assert.ok(!r.stdout.includes('DO-NOT-USE'));
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^SERVER\s+SOURCE\s+VERSION\s+UPDATED\s+STATUS$/);
  const fp = fingerprintSync(SECRET);
  assert.match(r.stdout, new RegExp(`^crm\\s+file\\s+file:${fp}\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+ok$`, 'm'));
  assert.match(r.stdout, new RegExp(`^tool\\s+env\\s+env:${fp}\\s+\\S+\\s+ok$`, 'm'));
  assert.match(r.stdout, /^docs\s+tokenExchange\s+per-user\s+-\s+ok$/m);
  assert.match(r.stdout, /^broken\s+file\s+none\s+-\s+error: cannot read: ENOENT$/m);
});

test('--json gives the same facts as data, never the secret', async () => {
  const r = await runStatus(['--config', configFile, '--json'], { CUSTOS_TEST_CLI_KEY: SECRET });
  assert.equal(r.code, 1);
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  const rows = JSON.parse(r.stdout) as { server: string; ok: boolean; version: string }[];
  assert.deepEqual(
    rows.map((x) => [x.server, x.ok, x.version]),
    [
      ['broken', false, 'none'],
      ['crm', true, `file:${fingerprintSync(SECRET)}`],
      ['docs', true, 'per-user'],
      ['tool', true, `env:${fingerprintSync(SECRET)}`],
    ],
  );
});

test('usage errors exit 2', async () => {
  const r = await runStatus([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--config <file> is required/);
});

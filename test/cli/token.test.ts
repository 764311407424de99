import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { createRevocationView } from '../../src/identity/revocation.ts';
import type { Identity } from '../../src/identity/types.ts';
import { openSqliteStore, type Store } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/handler-server.ts';

// `custos token` runs in a child process of its own, like an operator beside a running gateway;
// this process plays the gateway, with its own store handle and revocation view on the same file.
// Through the real entry point, as `custos token …`.

const runToken = (args: string[]) => runCli(['token', ...args]);

let dir: string;
let config: string;
let gatewayStore: Store;
let view: ReturnType<typeof createRevocationView>;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'custos-cli-token-'));
  config = join(dir, 'custos.yaml');
  // Relative paths resolve against the config file, wherever the CLI is started from.
  writeFileSync(
    config,
    `auth:
  mode: tokens
  gatewayTokens: { keyFile: ./signing-key.json, maxTtlSeconds: 86400 }
store: { sqlite: { path: ./custos.db } }
servers:
  crm:
    http: { url: 'http://127.0.0.1:1/mcp' }
`,
  );
  gatewayStore = openSqliteStore({ path: join(dir, 'custos.db') });
  view = createRevocationView(gatewayStore, { pollMs: 200 });
});

after(async () => {
  view.close();
  await gatewayStore.close();
});

function asIdentity(token: string): Identity {
  const c = decodeJwt(token);
  return {
    subject: c.sub as string,
    method: 'gateway',
    issuer: 'custos',
    user: undefined,
    groups: c.groups as string[],
    scopes: [],
    attributes: {},
    audiences: [],
    tokenId: c.jti as string,
    issuedAt: (c.iat as number) * 1000,
    expiresAt: (c.exp as number) * 1000,
  };
}

async function issue(...extra: string[]): Promise<string> {
  const r = await runToken(['issue', '--config', config, '--subject', 'ci-nightly', '--ttl', '1h', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'stdout is the token and nothing else');
  return r.stdout.trim();
}

test('issue prints only the token; the key file is created 0600 beside the config', async () => {
  const token = await issue(
    '--group',
    'reporting',
    '--group',
    'ops',
    '--scope',
    'crm',
    '--description',
    'nightly',
  );
  const claims = decodeJwt(token);
  assert.equal(claims.sub, 'custos:ci-nightly');
  assert.deepEqual(claims.groups, ['reporting', 'ops']);
  assert.equal(claims.scope, 'crm');
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  assert.equal(statSync(join(dir, 'signing-key.json')).mode & 0o777, 0o600);
});

test('a TTL over the maximum exits 2 with a clear message', async () => {
  const r = await runToken(['issue', '--config', config, '--subject', 'ci-nightly', '--ttl', '2d']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /--ttl 2d \(172800 s\) is longer than auth\.gatewayTokens\.maxTtlSeconds \(86400 s\)/,
  );
  const noTtl = await runToken(['issue', '--config', config, '--subject', 'ci-nightly']);
  assert.equal(noTtl.code, 2);
  const badTtl = await runToken(['issue', '--config', config, '--subject', 'ci-nightly', '--ttl', 'forever']);
  assert.equal(badTtl.code, 2);
});

test('issue → list → revoke by jti: a running gateway sees it within a second', async () => {
  const token = await issue('--group', 'reporting');
  const who = asIdentity(token);

  const listed = await runToken(['list', '--config', config, '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(!listed.stdout.includes(token.split('.')[2] as string), 'list never shows the token');
  const rows = JSON.parse(listed.stdout) as {
    jti: string;
    subject: string;
    revoked: boolean;
    status: string;
  }[];
  const row = rows.find((r) => r.jti === who.tokenId);
  assert.ok(row);
  assert.equal(row.subject, 'custos:ci-nightly');
  assert.equal(row.status, 'active');

  const table = await runToken(['list', '--config', config]);
  assert.match(table.stdout, /^JTI\s+SUBJECT\s+GROUPS\s+SCOPES\s+EXPIRES\s+STATUS$/m);
  assert.match(
    table.stdout,
    new RegExp(`${who.tokenId}\\s+custos:ci-nightly\\s+reporting\\s+-\\s+\\S+\\s+active`),
  );

  assert.equal(view.isRevoked(who), false);
  const revoked = await runToken(['revoke', '--config', config, who.tokenId as string, '--reason', 'leaked']);
  assert.equal(revoked.code, 0, revoked.stderr);
  const tookMs = await eventually(() => view.isRevoked(who), 1000, 'the revocation');
  assert.ok(tookMs < 1000);

  const after = JSON.parse((await runToken(['list', '--config', config, '--json'])).stdout) as typeof rows;
  assert.equal(after.find((r) => r.jti === who.tokenId)?.status, 'revoked');
});

test('revoke --subject ends older tokens; a token issued afterwards works', async () => {
  const older = asIdentity(await issue());
  const r = await runToken(['revoke', '--config', config, '--subject', 'ci-nightly', '--reason', 'rotated']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /custos:ci-nightly/);
  await eventually(() => view.isRevoked(older), 1000, 'the subject revocation');
  // iat has one-second resolution, and a token issued in the revocation's second counts as older.
  await new Promise((done) => setTimeout(done, 1100));
  const newer = asIdentity(await issue());
  assert.equal(view.isRevoked(newer), false);
});

test('a jti that begins with `-` (an IdP may issue one) is revoked with --jti or after --', async () => {
  const base = asIdentity(await issue());
  const other = (tokenId: string): Identity => ({ ...base, tokenId });
  for (const [jti, args] of [
    ['-Idp-jti-one', ['--jti=-Idp-jti-one']],
    ['-Idp-jti-two', ['--', '-Idp-jti-two']],
  ] as const) {
    const bare = await runToken(['revoke', '--config', config, jti]);
    assert.equal(bare.code, 2, 'bare, it reads as an option');
    assert.match(bare.stderr, /--jti=<jti>/, 'and the usage names the way out');
    const r = await runToken(['revoke', '--config', config, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `revoked ${jti}\n`);
    await eventually(() => view.isRevoked(other(jti)), 1000, `the revocation of ${jti}`);
  }
  assert.equal((await runToken(['revoke', '--config', config, '--jti', ''])).code, 2, 'an empty jti');
  assert.equal((await runToken(['revoke', '--config', config, '--jti', 'a', 'b'])).code, 2, 'two jtis');
});

test('usage errors exit 2', async () => {
  assert.equal((await runToken(['revoke', '--config', config])).code, 2);
  assert.equal((await runToken(['revoke', '--config', config, 'a', '--subject', 'b'])).code, 2);
  assert.equal((await runToken(['issue', '--config', config, '--ttl', '1h'])).code, 2);
  assert.equal((await runToken(['frobnicate'])).code, 2);
  assert.equal((await runToken(['list', '--config', config, '--bogus'])).code, 2);
  const open = join(dir, 'open.yaml');
  writeFileSync(
    open,
    `auth: { mode: none }\nservers:\n  crm:\n    http: { url: 'http://127.0.0.1:1/mcp' }\n`,
  );
  const r = await runToken(['list', '--config', open]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /auth\.mode: must be "tokens"/);
});

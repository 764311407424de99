import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { runCli } from '../helpers/cli.ts';
import { signRaw, startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { INIT, post, raw } from '../helpers/raw.ts';

// Identity end to end through a gateway started from a config file (so the CLI can act on the
// same store and key): every call authenticated, nothing forwarded on refusal, the caller's token
// never upstream, sessions bound to their subject, revocation cutting off streams and waiting
// requests within a second, upstream credentials held and rotated by the gateway.

let idp: TestIssuer;
let up: RunningServer;
let gw: Gateway;
let dir: string;
let configFile: string;
let url: string;
let stdioUrl: string;
const STDIO_SERVER = new URL('../fixtures/legacy-stdio-server.ts', import.meta.url).pathname;
const SCIM_TOKEN = 'fake-scim-token-for-tests-0123456789';

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  up = await startLegacyServer();
  dir = mkdtempSync(join(tmpdir(), 'custos-identity-'));
  writeFileSync(join(dir, 'crm-token'), 'fake-upstream-secret-v1\n');
  writeFileSync(join(dir, 'scim-token'), SCIM_TOKEN);
  configFile = join(dir, 'custos.yaml');
  writeFileSync(
    configFile,
    `listen: { host: 127.0.0.1, port: 0 }
auth:
  mode: tokens
  resource: http://custos.test
  clockSkewSeconds: 0
  issuers:
    - { name: corp, issuer: '${idp.issuer}', algorithms: [RS256] }
  gatewayTokens: { keyFile: ./signing-key.json, maxTtlSeconds: 3600 }
  scim: { tokenFile: ./scim-token }
store: { sqlite: { path: ./custos.db } }
servers:
  crm:
    http: { url: '${up.url}' }
    scopes: [crm]
    credentials: { file: ./crm-token, header: x-api-key, prefix: '' }
  files:
    stdio: { command: '${process.execPath}', args: [--import, tsx, '${STDIO_SERVER}'] }
`,
  );
  gw = await startGateway(loadConfigFile(configFile));
  url = gw.routes.get('crm') as string;
  stdioUrl = gw.routes.get('files') as string;
});

after(async () => {
  await gw.close();
  await up.close();
  await idp.close();
});

const AUD = 'http://custos.test';
const alice = (extra: Record<string, unknown> = {}) =>
  idp.sign({
    sub: 'u-alice',
    aud: AUD,
    preferred_username: 'alice',
    groups: ['support'],
    scope: 'crm',
    ...extra,
  });
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function connect(route: string, token: string): Promise<Client> {
  const client = new Client({ name: 'identity-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(route), { requestInit: { headers: auth(token) } }),
  );
  return client;
}

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

test('no token: 401 with a WWW-Authenticate pointing at RFC 9728 metadata for the route', async () => {
  const r = await post(url, INIT);
  assert.equal(r.status, 401);
  const challenge = String(r.headers['www-authenticate']);
  assert.match(challenge, /^Bearer /);
  assert.match(
    challenge,
    /resource_metadata="http:\/\/custos\.test\/\.well-known\/oauth-protected-resource\/mcp\/crm"/,
  );
  const meta = await raw(`${gw.url}/.well-known/oauth-protected-resource/mcp/crm`, { method: 'GET' });
  assert.equal(meta.status, 200);
  assert.deepEqual(meta.json, {
    resource: 'http://custos.test/mcp/crm',
    authorization_servers: [idp.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: ['crm'],
    resource_name: 'Custos route crm',
  });
});

test('bad tokens are refused with 401 and nothing reaches the upstream', async () => {
  const before = up.seen?.length ?? 0;
  const key = idp.keys[0];
  assert.ok(key);
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: idp.issuer, sub: 'u-mallory', aud: AUD, scope: 'crm', iat: now, exp: now + 300 };
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const rsaPublicPem = String(key.publicJwk.n);
  const hmacConfusion = (() => {
    const input = `${enc({ alg: 'HS256', kid: key.kid })}.${enc(claims)}`;
    const sig = createHash('sha256').update(rsaPublicPem).update(input).digest('base64url');
    return `${input}.${sig}`;
  })();
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases: Record<string, string> = {
    'alg none': `${enc({ alg: 'none' })}.${enc(claims)}.`,
    'HS256 with the RSA public key': hmacConfusion,
    'wrong audience': await idp.sign({ ...claims, aud: 'http://elsewhere.test' }),
    expired: await idp.sign({ ...claims, iat: now - 600, exp: now - 300 }),
    'nbf in the future': await idp.sign({ ...claims, nbf: now + 600 }),
    'no exp': await idp.sign({ ...claims, exp: undefined }),
    'signed by a stranger': signRaw({ alg: 'RS256', kid: key.kid }, claims, {
      kid: key.kid,
      alg: 'RS256',
      privateKey: foreign.privateKey,
      publicJwk: {},
    }),
    'stripped signature': (await idp.sign(claims)).replace(/\.[^.]+$/, '.'),
    oversized: await idp.sign({ ...claims, pad: 'x'.repeat(13_000) }),
    garbage: 'not.a.jwt',
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await post(url, INIT, auth(token));
    assert.equal(r.status, 401, name);
    assert.match(String(r.headers['www-authenticate']), /error="invalid_token"/, name);
  }
  // A token in the query string is refused even when it is valid.
  const q = await post(`${url}?access_token=${await alice()}`, INIT);
  assert.equal(q.status, 401);
  assert.equal(up.seen?.length, before, 'no refused request was forwarded');
});

test('a valid token works; the upstream gets the gateway credential, never the caller token', async () => {
  const token = await alice();
  const client = await connect(url, token);
  try {
    const r = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'hello' }]);
  } finally {
    await client.close();
  }
  const last = up.seen?.at(-1) ?? {};
  assert.equal(last.authorization, undefined, 'the caller token is not forwarded');
  assert.equal(last['x-api-key'], 'fake-upstream-secret-v1');
  const rows = gw.ctx.store.listExchanges({ server: 'crm', method: 'tools/call' });
  assert.ok(rows.some((r) => r.caller === 'corp:u-alice'));
  assert.ok(
    rows.every((r) => !JSON.stringify(r).includes(token)),
    'no token in the exchange records',
  );
});

test('a missing scope is 403 insufficient_scope', async () => {
  const r = await post(url, INIT, auth(await alice({ scope: 'other' })));
  assert.equal(r.status, 403);
  assert.match(String(r.headers['www-authenticate']), /error="insufficient_scope"/);
  assert.match(String(r.headers['www-authenticate']), /scope="crm"/);
});

test("another identity presenting a session's id gets 404; the owner keeps it", async () => {
  const open = await post(url, INIT, auth(await alice()));
  const sid = String(open.headers['mcp-session-id']);
  const bob = await idp.sign({ sub: 'u-bob', aud: AUD, scope: 'crm' });
  const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
  const theirs = await post(url, ping, {
    ...auth(bob),
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-11-25',
  });
  assert.equal(theirs.status, 404);
  const mine = await post(url, ping, {
    ...auth(await alice()),
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-11-25',
  });
  assert.equal(mine.status, 200);
  await raw(url, { method: 'DELETE', headers: { ...auth(await alice()), 'mcp-session-id': sid } });
});

test('an expired token fails the next request', async () => {
  const now = Math.floor(Date.now() / 1000);
  const short = await alice({ iat: now, exp: now + 2 });
  const open = await post(url, INIT, auth(short));
  assert.equal(open.status, 200);
  const sid = String(open.headers['mcp-session-id']);
  await new Promise((r) => setTimeout(r, Math.max(0, (now + 2) * 1000 - Date.now()) + 100));
  const late = await post(
    url,
    { jsonrpc: '2.0', id: 3, method: 'ping' },
    { ...auth(short), 'mcp-session-id': sid },
  );
  assert.equal(late.status, 401);
});

test('a rotated credential file takes effect without restart or failed calls', async () => {
  const client = await connect(url, await alice());
  try {
    // Kubernetes swaps Secret files atomically; a rename does the same here.
    writeFileSync(join(dir, 'crm-token.new'), 'fake-upstream-secret-v2\n');
    renameSync(join(dir, 'crm-token.new'), join(dir, 'crm-token'));
    let seenV2 = false;
    for (let i = 0; i < 40 && !seenV2; i++) {
      const r = await client.callTool({ name: 'echo', arguments: { message: `n${i}` } });
      assert.ok(!r.isError);
      seenV2 = up.seen?.at(-1)?.['x-api-key'] === 'fake-upstream-secret-v2';
      if (!seenV2) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seenV2, 'the new secret reached the upstream');
  } finally {
    await client.close();
  }
});

test('gateway tokens: issued by the CLI, accepted, then revoked by the CLI', async () => {
  const issued = await runCli([
    'token',
    'issue',
    '--config',
    configFile,
    '--subject',
    'ci-nightly',
    '--scope',
    'crm',
    '--ttl',
    '10m',
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  const token = issued.stdout.trim();
  const ok = await post(url, INIT, auth(token));
  assert.equal(ok.status, 200);
  const listed = await runCli(['token', 'list', '--config', configFile, '--json']);
  assert.ok(!listed.stdout.includes(token), 'the list never shows a token');
  const jti = (JSON.parse(listed.stdout) as { tokenId?: string; jti?: string; subject: string }[]).find(
    (t) => t.subject === 'custos:ci-nightly',
  );
  assert.ok(jti);
  const revoked = await runCli(['token', 'revoke', '--config', configFile, String(jti.tokenId ?? jti.jti)]);
  assert.equal(revoked.code, 0, revoked.stderr);
  let status = 0;
  for (let i = 0; i < 20 && status !== 401; i++) {
    status = (await post(url, INIT, auth(token))).status;
    if (status !== 401) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 401);
});

/** Opens a session with a GET stream and a held request; resolves how each of them ended. */
async function holdOpen(route: string, token: string) {
  const open = await post(route, INIT, auth(token));
  assert.equal(open.status, 200, open.text);
  const sid = String(open.headers['mcp-session-id']);
  const h = { ...auth(token), 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await post(route, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  const stream = await request(route, { method: 'GET', headers: { ...h, accept: 'text/event-stream' } });
  assert.equal(stream.statusCode, 200);
  const streamEnded = stream.body.text();
  const held = post(
    route,
    { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { ms: 20_000 } } },
    h,
  );
  await new Promise((r) => setTimeout(r, 300));
  return { sid, h, streamEnded, held };
}

test('revocation by subject via the CLI cuts off an open stream and a held request within a second', async () => {
  const token = await alice({ sub: 'u-carol', preferred_username: 'carol' });
  const { sid, h, streamEnded, held } = await holdOpen(url, token);
  const revoked = await runCli(['token', 'revoke', '--config', configFile, '--subject', 'corp:u-carol']);
  assert.equal(revoked.code, 0, revoked.stderr);
  const t0 = Date.now();
  const answer = await deadline(held, 1000, 'the held request ending');
  await deadline(streamEnded, 1000, 'the GET stream ending');
  assert.ok(Date.now() - t0 < 1000);
  assert.match(answer.text, /CUSTOS_REVOKED/);
  const again = await post(url, { jsonrpc: '2.0', id: 8, method: 'ping' }, h);
  assert.equal(again.status, 401);
  assert.equal(gw.ctx.sessions.get(sid), undefined);
  // The audit trail still shows its last session.
  assert.ok(gw.ctx.store.listExchanges({ sessionId: sid }).length >= 2);
});

test('SCIM deprovisioning cuts off a user within a second, stdio process included; reactivation lifts it', async () => {
  const scim = { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' };
  const created = await raw(`${gw.url}/scim/v2/Users`, {
    method: 'POST',
    headers: scim,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'dave',
      active: true,
    }),
  });
  assert.equal(created.status, 201, created.text);
  const id = (created.json as { id: string }).id;
  const token = await alice({ sub: 'u-dave', preferred_username: 'dave' });
  const { h, streamEnded, held } = await holdOpen(stdioUrl, token);
  const pidAnswer = await post(
    stdioUrl,
    { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'pid', arguments: {} } },
    h,
  );
  const pid = Number(/"text":"(\d+)"/.exec(pidAnswer.text)?.[1]);
  assert.ok(pid > 0);
  const patch = await raw(`${gw.url}/scim/v2/Users/${id}`, {
    method: 'PATCH',
    headers: scim,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    }),
  });
  assert.equal(patch.status, 200, patch.text);
  const answer = await deadline(held, 1000, 'the held request ending');
  await deadline(streamEnded, 1000, 'the GET stream ending');
  assert.match(answer.text, /CUSTOS_REVOKED/);
  let alive = true;
  for (let i = 0; i < 30 && alive; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      alive = false;
    }
  }
  assert.equal(alive, false, 'the stdio process of the session was stopped');
  assert.equal((await post(stdioUrl, INIT, auth(token))).status, 401);
  // Reactivation: the same person may work again.
  const back = await raw(`${gw.url}/scim/v2/Users/${id}`, {
    method: 'PATCH',
    headers: scim,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: true } }],
    }),
  });
  assert.equal(back.status, 200);
  let status = 0;
  for (let i = 0; i < 20 && status !== 200; i++) {
    const r = await post(stdioUrl, INIT, auth(token));
    status = r.status;
    if (status === 200)
      await raw(stdioUrl, {
        method: 'DELETE',
        headers: { ...auth(token), 'mcp-session-id': String(r.headers['mcp-session-id']) },
      });
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 200);
});

test('RFC 8693: an IdP token exchanged for a narrower, short-lived gateway token', async () => {
  const subject = await alice({ scope: 'crm reports', groups: ['support', 'dpo'] });
  const r = await raw(`${gw.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope: 'crm',
      groups: 'support',
      expires_in: '120',
    }).toString(),
  });
  assert.equal(r.status, 200, r.text);
  const body = r.json as { access_token: string; expires_in: number; token_type: string };
  assert.equal(body.token_type, 'Bearer');
  assert.ok(body.expires_in <= 120);
  const client = await connect(url, body.access_token);
  try {
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'exchanged' } });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'exchanged' }]);
  } finally {
    await client.close();
  }
  const wider = await raw(`${gw.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope: 'crm admin',
    }).toString(),
  });
  assert.equal(wider.status, 400);
  assert.equal((wider.json as { error: string }).error, 'invalid_scope');
});

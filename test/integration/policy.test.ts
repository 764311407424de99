import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { decide, pendingRequest } from '../helpers/approvals.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { openSession, post } from '../helpers/raw.ts';

// The policy on the data path: decisions name their rule, lists show only what a caller may use,
// a hidden tool looks exactly like a missing one, rate limits answer 429, and the file reloads.

let idp: TestIssuer;
let up: RunningServer;
let gw: Gateway;
let dir: string;
let url: string;

const POLICY = `
version: 1
rules:
  - id: support-tools
    effect: allow
    subjects: [{ group: support }]
    servers: [t]
    tools: [echo, log, list_roots]
  - id: no-secrets-in-echo
    effect: deny
    tools: [echo]
    when: 'args.message.contains("secret")'
  - id: log-quota
    effect: allow
    subjects: [{ group: support }]
    tools: [log]
    rateLimit: { calls: 2, per: 1h, by: identity+tool }
  - id: roots-need-dpo
    effect: approve
    subjects: [{ group: support }]
    tools: [list_roots]
    approval: { approvers: [dpo] }
`;

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  up = await startLegacyServer({ json: true });
  dir = mkdtempSync(join(tmpdir(), 'custos-policy-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(
    join(dir, 'custos.yaml'),
    `listen: { host: 127.0.0.1, port: 0 }
auth:
  mode: tokens
  resource: http://custos.test
  issuers: [{ name: corp, issuer: '${idp.issuer}', algorithms: [RS256] }]
  gatewayTokens: { keyFile: ./key.json }
policy: { file: ./policy.yaml }
store: { sqlite: { path: ':memory:' } }
servers:
  t: { http: { url: '${up.url}' }, masking: {} }
`,
  );
  gw = await startGateway(loadConfigFile(join(dir, 'custos.yaml')));
  url = gw.routes.get('t') as string;
});

after(async () => {
  await gw.close();
  await up.close();
  await idp.close();
});

const bearer = async (sub: string, groups: string[]) =>
  `Bearer ${await idp.sign({ sub, aud: 'http://custos.test', groups })}`;

async function connect(sub: string, groups: string[]): Promise<Client> {
  const client = new Client({ name: 'policy-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: await bearer(sub, groups) } },
    }),
  );
  return client;
}

test('tools/list shows a caller only what it may use', async () => {
  const support = await connect('u-sam', ['support']);
  const other = await connect('u-olga', ['marketing']);
  try {
    assert.deepEqual((await support.listTools()).tools.map((t) => t.name).sort(), [
      'echo',
      'list_roots',
      'log',
    ]);
    assert.deepEqual((await other.listTools()).tools, []);
  } finally {
    await support.close();
    await other.close();
  }
});

test('a hidden tool gets exactly the answer of a tool that does not exist', async () => {
  const headers = { authorization: await bearer('u-sam', ['support']) };
  const sid = await openSession(url, '2025-11-25', headers);
  const h = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const call = (name: string) =>
    post(url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name, arguments: {} } }, h);
  const hidden = await call('ask_llm'); // exists upstream, not allowed for support
  const missing = await call('no_such_tool');
  assert.equal(hidden.status, missing.status);
  assert.equal(hidden.text.replace('ask_llm', 'X'), missing.text.replace('no_such_tool', 'X'));
});

test('a deny rule on the arguments answers a JSON-RPC error naming the rule; the call never reaches the upstream', async () => {
  const client = await connect('u-sam', ['support']);
  try {
    // POSTs only: the SDK opens its GET stream whenever its initialized notification is answered.
    const posts = () => (up.seen ?? []).filter((h) => String(h.accept).includes('application/json')).length;
    const before = posts();
    await assert.rejects(
      client.callTool({ name: 'echo', arguments: { message: 'my secret' } }),
      (err: Error) => {
        assert.match(err.message, /no-secrets-in-echo/);
        return true;
      },
    );
    assert.equal(posts(), before);
    const ok = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    assert.deepEqual(ok.content, [{ type: 'text', text: 'hello' }]);
  } finally {
    await client.close();
  }
  const rows = gw.ctx.store.listExchanges({ server: 't', method: 'tools/call' });
  assert.ok(
    rows.some((r) => r.errorCode === 'CUSTOS_POLICY_DENIED' && r.policyRule === 'no-secrets-in-echo'),
  );
  assert.ok(
    rows.some((r) => r.outcome === 'ok' && r.policyRule === 'support-tools' && r.policyEffect === 'allow'),
  );
});

test('an approve rule holds the call for its approvers; denied, it is a JSON-RPC error naming the request', async () => {
  const client = await connect('u-sam', ['support']);
  try {
    const call = client.callTool({ name: 'list_roots', arguments: {} });
    const dpo = await idp.sign({ sub: 'u-dpo', aud: 'http://custos.test', groups: ['dpo'] });
    const req = await pendingRequest(gw.url, dpo, (a) => a.name === 'list_roots');
    assert.equal(req.rule, 'roots-need-dpo');
    assert.equal((await decide(gw.url, dpo, req.id, 'deny')).status, 200);
    await assert.rejects(call, new RegExp(`Approval denied: approval ${req.id}`));
  } finally {
    await client.close();
  }
});

test('a rate limit answers 429 with Retry-After once spent', async () => {
  const headers = { authorization: await bearer('u-rita', ['support']) };
  const sid = await openSession(url, '2025-11-25', headers);
  const h = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const log = (id: number) =>
    post(
      url,
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'log', arguments: { text: 'x' } } },
      h,
    );
  assert.equal((await log(1)).status, 200);
  assert.equal((await log(2)).status, 200);
  const third = await log(3);
  assert.equal(third.status, 429);
  assert.ok(Number(third.headers['retry-after']) > 0);
  assert.match(third.text, /log-quota/);
});

test('a changed policy file takes effect; a broken one keeps the previous policy', async () => {
  const client = await connect('u-sam', ['support']);
  try {
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules:\n  - id: broken\n    effect: maybe\n');
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), [
      'echo',
      'list_roots',
      'log',
    ]);
    writeFileSync(
      join(dir, 'policy.yaml'),
      'version: 1\nrules:\n  - { id: echo-only, effect: allow, subjects: [{ group: support }], tools: [echo] }\n',
    );
    let names: string[] = [];
    for (let i = 0; i < 40 && names.length !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      names = (await client.listTools()).tools.map((t) => t.name);
    }
    assert.deepEqual(names, ['echo']);
  } finally {
    await client.close();
  }
});

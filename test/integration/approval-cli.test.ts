import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ApprovalView } from '../../src/approval/index.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { decide, pendingRequest, settle } from '../helpers/approvals.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';

// The approver's tools against a running gateway: the webhook a new request is posted to (a local
// HTTP server checks the signature and that no argument value or token is in it), and the CLI
// (`custos approve …`, `custos policy pins …`) calling the admin API with the approver's token.

let idp: TestIssuer;
let up: RunningServer;
let gw: Gateway;
let hook: Server;
let configFile: string;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let failFirst = true;
const SECRET = 'fake-webhook-secret-for-tests-0123456789';
const AUD = 'http://custos.test';

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  up = await startLegacyServer({ json: true });
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      // The first delivery fails: the notifier retries.
      if (failFirst) {
        failFirst = false;
        res.writeHead(503).end();
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'custos-approval-cli-'));
  writeFileSync(join(dir, 'webhook-secret'), SECRET);
  writeFileSync(
    join(dir, 'policy.yaml'),
    `version: 1
rules:
  - { id: support-echo, effect: allow, subjects: [{ group: support }], tools: [echo] }
  - id: export-needs-dpo
    effect: approve
    subjects: [{ group: support }]
    tools: [echo]
    approval: { approvers: [dpo], timeout: 30s, justification: { argument: reason } }
`,
  );
  configFile = join(dir, 'custos.yaml');
  writeFileSync(
    configFile,
    `listen: { host: 127.0.0.1, port: 0 }
auth:
  mode: tokens
  resource: ${AUD}
  issuers: [{ name: corp, issuer: '${idp.issuer}', algorithms: [RS256] }]
  gatewayTokens: { keyFile: ./key.json }
policy: { file: ./policy.yaml }
approvals:
  consoleUrl: https://console.custos.test/approvals
  webhook: { url: 'http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook', secretFile: ./webhook-secret, retries: 2 }
admin: { groups: [custos-admins] }
store: { sqlite: { path: ./custos.db } }
servers:
  t: { http: { url: '${up.url}' } }
`,
  );
  gw = await startGateway(loadConfigFile(configFile));
});

after(async () => {
  await gw.close();
  await up.close();
  await idp.close();
  hook.closeAllConnections();
  await new Promise<void>((r) => hook.close(() => r()));
});

const token = (sub: string, groups: string[]) => idp.sign({ sub, aud: AUD, groups });

test('a new request is posted to the webhook, signed, Slack-compatible, without argument values or tokens; the CLI decides it', async () => {
  const aliceToken = await token('u-alice', ['support']);
  const dan = await token('u-dan', ['dpo']);
  const client = new Client({ name: 'cli-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gw.routes.get('t') as string), {
      requestInit: { headers: { authorization: `Bearer ${aliceToken}` } },
    }),
  );
  try {
    await client.listTools(); // pins the tools (the second test accepts one)
    const message = 'export DE89370400440532013000 for jane.doe@example.com';
    const call = settle(
      client.callTool({ name: 'echo', arguments: { message, reason: 'ticket 7 asks for it' } }, undefined, {
        timeout: 30_000,
      }),
    );
    const req = await pendingRequest(gw.url, dan, (a: ApprovalView) => a.requester === 'corp:u-alice');
    assert.equal(req.justification, 'ticket 7 asks for it');
    assert.equal(req.link, `https://console.custos.test/approvals/${req.id}`);

    // The webhook: delivered (after one retry), signed over timestamp + body.
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.length, 2, 'a failed delivery is retried');
    const hit = received[1] as (typeof received)[number];
    const ts = String(hit.headers['x-custos-timestamp']);
    assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60, 'a fresh timestamp');
    const expected = `v1=${createHmac('sha256', SECRET).update(`${ts}.${hit.body}`).digest('hex')}`;
    const got = String(hit.headers['x-custos-signature']);
    assert.equal(got.length, expected.length);
    assert.ok(timingSafeEqual(Buffer.from(got), Buffer.from(expected)), 'the signature verifies');
    const body = JSON.parse(hit.body) as { text: string; blocks: { type: string }[] };
    assert.match(body.text, new RegExp(req.id));
    assert.ok(body.blocks.some((b) => b.type === 'actions'));
    assert.ok(hit.body.includes(`https://console.custos.test/approvals/${req.id}`));
    assert.ok(hit.body.includes('`message`'), 'argument names are shown');
    for (const secret of ['DE89370400440532013000', 'jane.doe@example.com', aliceToken, dan, SECRET])
      assert.ok(!hit.body.includes(secret), 'no argument value, token or secret in the notification');

    // The CLI, with the approver's token from the environment.
    const env = { CUSTOS_TOKEN: dan };
    const listed = await runCli(['approve', 'list', '--url', gw.url, '--json'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as ApprovalView[]).map((a) => a.id),
      [req.id],
    );
    const shown = await runCli(['approve', 'show', '--url', gw.url, req.id], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /rule\s+export-needs-dpo/);
    assert.ok(!shown.stdout.includes('jane.doe@example.com'), 'the preview is masked');
    // The requester cannot grant it, whatever the tool.
    const self = await runCli(['approve', 'grant', '--url', gw.url, '--token', aliceToken, req.id]);
    assert.equal(self.code, 1);
    assert.match(self.stderr, /CUSTOS_SELF_APPROVAL/);
    const granted = await runCli(['approve', 'grant', '--url', gw.url, req.id, '--reason', 'ok, ticket 7'], {
      env,
    });
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, new RegExp(`granted ${req.id}: the request is now granted`));
    const r = await call;
    assert.ok(r.ok, String(!r.ok && r.error));
    const again = await runCli(['approve', 'deny', '--url', gw.url, req.id], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /CUSTOS_APPROVAL_DECIDED/);
  } finally {
    await client.close();
  }
});

test('the CLI refuses without a token, and lists and accepts tool pins as an admin', async () => {
  const noToken = await runCli(['approve', 'list', '--url', gw.url], { env: { CUSTOS_TOKEN: '' } });
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /--token/);
  const ops = await token('u-ops', ['custos-admins']);
  const listed = await runCli([
    'policy',
    'pins',
    'list',
    '--url',
    gw.url,
    '--token',
    ops,
    '--server',
    't',
    '--json',
  ]);
  assert.equal(listed.code, 0, listed.stderr);
  const pins = JSON.parse(listed.stdout) as { tool: string; status: string }[];
  assert.ok(pins.some((p) => p.tool === 'echo' && p.status === 'pinned'));
  const accepted = await runCli(['policy', 'pins', 'accept', '--url', gw.url, '--token', ops, 't', 'echo']);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stdout, /accepted t echo: pinned sha256:/);
  const refused = await runCli([
    'policy',
    'pins',
    'accept',
    '--url',
    gw.url,
    '--token',
    await token('u-pat', []),
    't',
    'echo',
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /CUSTOS_FORBIDDEN/);
});

test('a decision made through another gateway sharing the store wakes the held call within a poll', async () => {
  const replica = await startGateway(loadConfigFile(configFile));
  const client = new Client({ name: 'replica-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gw.routes.get('t') as string), {
      requestInit: { headers: { authorization: `Bearer ${await token('u-bo', ['support'])}` } },
    }),
  );
  try {
    const dan = await token('u-dan', ['dpo']);
    let doneAt = 0;
    const call = settle(
      client.callTool(
        { name: 'echo', arguments: { message: 'export via a replica', reason: 'ticket 9' } },
        undefined,
        {
          timeout: 30_000,
        },
      ),
    ).then((r) => {
      doneAt = Date.now();
      return r;
    });
    // The approver talks to the other replica only.
    const req = await pendingRequest(replica.url, dan, (a: ApprovalView) => a.requester === 'corp:u-bo');
    const t0 = Date.now();
    assert.equal((await decide(replica.url, dan, req.id, 'grant')).status, 200);
    const r = await call;
    assert.ok(r.ok, String(!r.ok && r.error));
    assert.ok(doneAt - t0 < 1000, `the held call went on ${doneAt - t0} ms after the grant`);
  } finally {
    await client.close();
    await replica.close();
  }
});

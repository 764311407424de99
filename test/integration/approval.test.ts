import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { request } from 'undici';
import type { ApprovalView } from '../../src/approval/index.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { admin, decide, pendingRequest, settle } from '../helpers/approvals.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { ACCEPT_BOTH, openSession, post } from '../helpers/raw.ts';

// Just-in-time approval end to end, legacy era, with the official SDK v1 client and several
// identities: a call an `approve` rule decides is held until a distinct approver grants it through
// the admin API, and the grant is bound to the exact arguments.

let idp: TestIssuer;
let up: RunningServer;
let gw: Gateway;
let url: string;
const STDIO_SERVER = new URL('../fixtures/legacy-stdio-server.ts', import.meta.url).pathname;

const AUD = 'http://custos.test';
const POLICY = `
version: 1
rules:
  - id: support-tools
    effect: allow
    subjects: [{ group: support }]
    servers: [t]
    tools: [echo, log, slow]
  - id: echo-export-needs-dpo
    description: Exporting through echo needs a data protection officer
    effect: approve
    subjects: [{ group: support }]
    tools: [echo]
    when: 'args.message.startsWith("export")'
    approval: { approvers: [dpo], timeout: 4s, justification: { header: x-justification } }
  - id: log-window
    effect: approve
    subjects: [{ group: support }]
    tools: [log]
    approval: { approvers: [dpo], timeout: 10s, grantFor: 30m }
  - id: slow-two-dbas
    effect: approve
    subjects: [{ group: support }]
    tools: [slow]
    approval: { approvers: [dba], quorum: 2, timeout: 20s }
`;

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  up = await startLegacyServer({ json: true });
  const dir = mkdtempSync(join(tmpdir(), 'custos-approval-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(
    join(dir, 'custos.yaml'),
    `listen: { host: 127.0.0.1, port: 0 }
auth:
  mode: tokens
  resource: ${AUD}
  issuers: [{ name: corp, issuer: '${idp.issuer}', algorithms: [RS256] }]
  gatewayTokens: { keyFile: ./key.json }
policy: { file: ./policy.yaml }
approvals: { progressIntervalSeconds: 0.2 }
store: { sqlite: { path: ':memory:' } }
servers:
  t: { http: { url: '${up.url}' } }
  s: { stdio: { command: '${process.execPath}', args: [--import, tsx, '${STDIO_SERVER}'] } }
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

const token = (sub: string, groups: string[], user?: string) =>
  idp.sign({ sub, aud: AUD, groups, ...(user ? { preferred_username: user } : {}) });

async function connect(tok: string, headers: Record<string, string> = {}, route = url): Promise<Client> {
  const client = new Client({ name: 'approval-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(route), {
      requestInit: { headers: { authorization: `Bearer ${tok}`, ...headers } },
    }),
  );
  return client;
}

const textOf = (r: unknown): string =>
  ((r as { content: { text: string }[] }).content[0] as { text: string }).text;

const forCall = (requester: string, name: string) => (a: ApprovalView) =>
  a.requester === requester && a.name === name;

test('a held call completes once an approver grants it; the preview and justification are masked', async () => {
  const dan = await token('u-dan', ['dpo']);
  const client = await connect(await token('u-alice', ['support'], 'alice'), {
    'x-justification': 'quarterly audit for jane.doe@example.com',
  });
  try {
    const t0 = Date.now();
    const call = settle(
      client.callTool({ name: 'echo', arguments: { message: 'export jane.doe@example.com' } }, undefined, {
        timeout: 10_000,
      }),
    );
    const req = await pendingRequest(gw.url, dan, forCall('corp:u-alice', 'echo'));
    await new Promise((r) => setTimeout(r, 300));
    const heldMs = Date.now() - t0;
    assert.equal(req.rule, 'echo-export-needs-dpo');
    assert.deepEqual(req.approvers, ['dpo']);
    assert.equal(req.argsDigest.length, 64);
    assert.ok(!JSON.stringify(req).includes('jane.doe@example.com'), 'no raw value in the request');
    assert.match(JSON.stringify(req.preview), /message/);
    assert.match(String(req.justification), /^quarterly audit for /);
    assert.equal(req.canDecide, true);
    const granted = await decide(gw.url, dan, req.id, 'grant', 'ok for the audit');
    assert.equal(granted.status, 200, JSON.stringify(granted.json));
    assert.equal((granted.json.approval as ApprovalView).status, 'granted');
    const r = await call;
    assert.ok(r.ok, String(!r.ok && r.error));
    assert.equal(textOf(r.value), 'export jane.doe@example.com');
    const row = gw.ctx.store
      .listExchanges({ server: 't', method: 'tools/call' })
      .find((e) => e.approvalId === req.id && e.outcome === 'ok');
    assert.ok(row, 'the exchange records its approval id');
    assert.equal(row.policyEffect, 'approve');
    assert.ok((row.upstreamUs ?? 0) / 1000 >= heldMs - 100, 'the upstream was called only after the grant');
    const kinds = gw.ctx.store
      .approvalEventsSince(0)
      .filter((e) => e.approvalId === req.id)
      .map((e) => e.kind);
    assert.deepEqual(kinds, ['requested', 'voted', 'granted', 'used']);
    // A one-call grant is used up: the same call again needs a new approval.
    const again = settle(
      client.callTool({ name: 'echo', arguments: { message: 'export jane.doe@example.com' } }, undefined, {
        timeout: 10_000,
      }),
    );
    const second = await pendingRequest(gw.url, dan, forCall('corp:u-alice', 'echo'));
    assert.notEqual(second.id, req.id);
    await decide(gw.url, dan, second.id, 'deny');
    assert.equal((await again).ok, false);
  } finally {
    await client.close();
  }
});

test('a denied call gets a JSON-RPC error naming the approval id; the upstream never sees it', async () => {
  const dan = await token('u-dan', ['dpo']);
  const client = await connect(await token('u-bea', ['support']), { 'x-justification': 'needed' });
  try {
    const call = settle(client.callTool({ name: 'echo', arguments: { message: 'export everything' } }));
    const req = await pendingRequest(gw.url, dan, forCall('corp:u-bea', 'echo'));
    assert.equal((await decide(gw.url, dan, req.id, 'deny', 'not without a ticket')).status, 200);
    const r = await call;
    assert.equal(r.ok, false);
    const err = (r as { error: McpError }).error;
    assert.ok(err instanceof McpError);
    assert.equal(err.code, -32084);
    assert.match(err.message, new RegExp(req.id));
    assert.equal((err.data as { approvalId?: string }).approvalId, req.id);
    const row = gw.ctx.store
      .listExchanges({ server: 't', method: 'tools/call' })
      .find((e) => e.approvalId === req.id);
    assert.equal(row?.errorCode, 'CUSTOS_APPROVAL_DENIED');
    assert.equal(row?.upstreamUs, null, 'the upstream never saw the call');
    // Deciding again is a conflict.
    const late = await decide(gw.url, dan, req.id, 'grant');
    assert.equal(late.status, 409);
    assert.equal((late.json.error as { code: string }).code, 'CUSTOS_APPROVAL_DECIDED');
  } finally {
    await client.close();
  }
});

test('a call nobody decides expires with an error naming the approval id', async () => {
  const client = await connect(await token('u-cem', ['support']), { 'x-justification': 'needed' });
  try {
    const t0 = Date.now();
    const r = await settle(
      client.callTool({ name: 'echo', arguments: { message: 'export slowly' } }, undefined, {
        timeout: 10_000,
      }),
    );
    assert.equal(r.ok, false);
    const err = (r as { error: McpError }).error;
    assert.equal(err.code, -32085);
    const id = (err.data as { approvalId: string }).approvalId;
    assert.match(id, /^ap-/);
    assert.ok(Date.now() - t0 >= 3500, 'held until the rule timeout (4 s)');
    assert.equal(gw.ctx.store.getApproval(id)?.status, 'expired');
  } finally {
    await client.close();
  }
});

test('a requester cannot approve their own request, not even through another token of the same subject', async () => {
  const self = await token('u-dora', ['dpo'], 'dora');
  const sameUserOtherSubject = await idp.sign({
    sub: 'u-dora-admin',
    aud: AUD,
    groups: ['dpo'],
    preferred_username: 'DORA',
  });
  const dan = await token('u-dan', ['dpo']);
  const client = await connect(await token('u-dora', ['support'], 'dora'), { 'x-justification': 'needed' });
  try {
    const call = settle(client.callTool({ name: 'echo', arguments: { message: 'export mine' } }));
    const req = await pendingRequest(gw.url, dan, forCall('corp:u-dora', 'echo'));
    for (const tok of [self, sameUserOtherSubject]) {
      const mine = await decide(gw.url, tok, req.id, 'grant');
      assert.equal(mine.status, 403);
      assert.equal((mine.json.error as { code: string }).code, 'CUSTOS_SELF_APPROVAL');
    }
    // Someone outside the approver groups cannot decide either.
    const stranger = await decide(gw.url, await token('u-eve', ['support']), req.id, 'grant');
    assert.equal(stranger.status, 404, 'a request one may not see reads like a missing one');
    assert.equal((await decide(gw.url, dan, req.id, 'grant')).status, 200);
    const r = await call;
    assert.ok(r.ok);
  } finally {
    await client.close();
  }
});

test('a grant is bound to the arguments: a client that left retries the same call and it passes; changed arguments wait again', async () => {
  const dan = await token('u-dan', ['dpo']);
  const fay = await token('u-fay', ['support']);
  const headers = { authorization: `Bearer ${fay}`, 'x-justification': 'needed' };
  const sid = await openSession(url, '2025-11-25', headers);
  const h = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const callBody = (id: number, message: string) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message } },
    });
  // The client sends the call and goes away while it is held.
  const abort = new AbortController();
  const gone = request(url, {
    method: 'POST',
    headers: { ...h, 'content-type': 'application/json', accept: ACCEPT_BOTH },
    body: callBody(1, 'export the list'),
    signal: abort.signal,
  }).catch(() => undefined);
  const req = await pendingRequest(gw.url, dan, forCall('corp:u-fay', 'echo'));
  abort.abort();
  await gone;
  // The gateway noticed: the held exchange ended, the request stays pending.
  for (let i = 0; i < 50; i++) {
    if (gw.ctx.store.listExchanges({ method: 'tools/call' }).some((e) => e.approvalId === req.id)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const left = gw.ctx.store.listExchanges({ method: 'tools/call' }).find((e) => e.approvalId === req.id);
  assert.equal(left?.errorCode, 'CUSTOS_APPROVAL_REQUIRED');
  assert.equal(gw.ctx.store.getApproval(req.id)?.status, 'pending');
  assert.equal((await decide(gw.url, dan, req.id, 'grant')).status, 200);
  // Changed arguments: a new request, held again (denied here to end it).
  const changed = settle(post(url, JSON.parse(callBody(2, 'export the other list')), h));
  const other = await pendingRequest(gw.url, dan, (a) => forCall('corp:u-fay', 'echo')(a) && a.id !== req.id);
  assert.notEqual(other.argsDigest, req.argsDigest);
  await decide(gw.url, dan, other.id, 'deny');
  const refused = await changed;
  assert.ok(refused.ok);
  assert.match(refused.value.text, /CUSTOS_APPROVAL_DENIED/);
  // The same arguments, in another key order of the same object: the grant applies at once.
  const same = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { arguments: { message: 'export the list' }, name: 'echo' },
    },
    h,
  );
  assert.equal(same.status, 200);
  assert.match(same.text, /"text":"export the list"/);
  assert.equal(gw.ctx.store.getApproval(req.id)?.status, 'used');
});

test('a time-window grant is reused for the same call; other arguments need their own', async () => {
  const dan = await token('u-dan', ['dpo']);
  const client = await connect(await token('u-gus', ['support']));
  try {
    const first = settle(client.callTool({ name: 'log', arguments: { text: 'nightly' } }));
    const req = await pendingRequest(gw.url, dan, forCall('corp:u-gus', 'log'));
    assert.equal(req.grantForSeconds, 1800);
    await decide(gw.url, dan, req.id, 'grant');
    assert.ok((await first).ok);
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const again = await client.callTool({ name: 'log', arguments: { text: 'nightly' } });
      assert.equal(textOf(again), 'logged');
      assert.ok(Date.now() - t0 < 2000, 'not held');
    }
    const record = gw.ctx.store.getApproval(req.id);
    assert.equal(record?.status, 'granted');
    assert.equal(record?.uses, 4);
    const other = settle(client.callTool({ name: 'log', arguments: { text: 'weekly' } }));
    const second = await pendingRequest(gw.url, dan, forCall('corp:u-gus', 'log'));
    assert.notEqual(second.id, req.id);
    await decide(gw.url, dan, second.id, 'deny');
    assert.equal((await other).ok, false);
  } finally {
    await client.close();
  }
});

test('quorum 2: one grant is not enough, the same approver cannot count twice, a second approver completes it', async () => {
  const frank = await token('u-frank', ['dba']);
  const erin = await token('u-erin', ['dba']);
  const client = await connect(await token('u-hal', ['support']));
  try {
    const call = settle(
      client.callTool({ name: 'slow', arguments: { ms: 10, steps: 1 } }, undefined, { timeout: 15_000 }),
    );
    const req = await pendingRequest(gw.url, frank, forCall('corp:u-hal', 'slow'));
    assert.equal(req.quorum, 2);
    const one = await decide(gw.url, frank, req.id, 'grant');
    assert.equal((one.json.approval as ApprovalView).status, 'pending');
    assert.equal((one.json.approval as ApprovalView).grants, 1);
    const twice = await decide(gw.url, frank, req.id, 'grant');
    assert.equal(twice.status, 409);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(gw.ctx.store.getApproval(req.id)?.status, 'pending', 'still held after one grant');
    const two = await decide(gw.url, erin, req.id, 'grant');
    assert.equal((two.json.approval as ApprovalView).status, 'granted');
    const r = await call;
    assert.ok(r.ok);
    assert.equal(textOf(r.value), 'done after 10 ms');
  } finally {
    await client.close();
  }
});

test('while held, a client that sent a progress token gets progress notifications (and keeps waiting past its timeout)', async () => {
  const dan = await token('u-dan', ['dpo']);
  const client = await connect(await token('u-ida', ['support']), { 'x-justification': 'needed' });
  try {
    const progress: { progress: number; message?: string | undefined }[] = [];
    const call = settle(
      client.callTool({ name: 'echo', arguments: { message: 'export with progress' } }, undefined, {
        timeout: 1500,
        resetTimeoutOnProgress: true,
        onprogress: (p) => progress.push(p),
      }),
    );
    const req = await pendingRequest(gw.url, dan, forCall('corp:u-ida', 'echo'));
    await new Promise((r) => setTimeout(r, 2000));
    await decide(gw.url, dan, req.id, 'grant');
    const r = await call;
    assert.ok(r.ok, String(!r.ok && r.error));
    assert.equal(textOf(r.value), 'export with progress');
    assert.ok(progress.length >= 5, `progress notifications: ${progress.length}`);
    assert.match(String(progress[0]?.message), new RegExp(`approval ${req.id}`));
    for (let i = 1; i < progress.length; i++)
      assert.ok((progress[i]?.progress ?? 0) > (progress[i - 1]?.progress ?? 0), 'progress increases');
  } finally {
    await client.close();
  }
});

test('a stdio upstream: the answer of a call held with progress continues on the same SSE stream', async () => {
  const dan = await token('u-dan', ['dpo']);
  const client = await connect(
    await token('u-ike', ['support']),
    { 'x-justification': 'needed' },
    gw.routes.get('s'),
  );
  try {
    let notes = 0;
    const call = settle(
      client.callTool({ name: 'echo', arguments: { message: 'export over stdio' } }, undefined, {
        timeout: 10_000,
        onprogress: () => {
          notes++;
        },
      }),
    );
    const req = await pendingRequest(gw.url, dan, forCall('corp:u-ike', 'echo'));
    await new Promise((r) => setTimeout(r, 300));
    await decide(gw.url, dan, req.id, 'grant');
    const r = await call;
    assert.ok(r.ok, String(!r.ok && r.error));
    assert.equal(textOf(r.value), 'export over stdio');
    assert.ok(notes >= 1);
  } finally {
    await client.close();
  }
});

test('revoking the requester ends a held call within a second; the request stays for the approvers', async () => {
  const dan = await token('u-dan', ['dpo']);
  const jo = await token('u-jo', ['support']);
  const headers = { authorization: `Bearer ${jo}`, 'x-justification': 'needed' };
  const sid = await openSession(url, '2025-11-25', headers);
  const h = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const held = post(
    url,
    {
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'export again' } },
    },
    h,
  );
  const req = await pendingRequest(gw.url, dan, forCall('corp:u-jo', 'echo'));
  const t0 = Date.now();
  gw.ctx.store.addRevocation({ kind: 'subject', value: 'corp:u-jo', at: Date.now() });
  const answer = await held;
  assert.ok(Date.now() - t0 < 1000, `ended after ${Date.now() - t0} ms`);
  assert.equal(answer.status, 401);
  assert.match(answer.text, /CUSTOS_REVOKED/);
  const shown = await admin(gw.url, dan, 'GET', `/approvals/${req.id}`);
  assert.equal((shown.json.approval as ApprovalView).status, 'pending');
});

test('the admin API authenticates its callers like MCP calls', async () => {
  const none = await request(`${gw.url}/admin/v1/approvals`);
  assert.equal(none.statusCode, 401);
  await none.body.dump();
  const wrongAudience = await idp.sign({ sub: 'u-dan', aud: 'http://elsewhere.test', groups: ['dpo'] });
  assert.equal((await admin(gw.url, wrongAudience, 'GET', '/approvals')).status, 401);
  const unknown = await admin(gw.url, await token('u-dan', ['dpo']), 'GET', '/approvals/ap-0000000000000000');
  assert.equal(unknown.status, 404);
  // Someone in no approver group sees no other caller's requests.
  const nobody = await admin(gw.url, await token('u-kim', ['marketing']), 'GET', '/approvals');
  assert.deepEqual(nobody.json.approvals, []);
});

test('every approval decision is mirrored into the audit chain, in order, exactly once', async () => {
  const log = gw.ctx.store.listApprovals({ limit: 1000 });
  assert.ok(log.length > 0);
  const sql = gw.ctx.store.audit;
  const expected = gw.ctx.store.approvalEventsSince(0, 10_000);
  // The writer mirrors the approval log within a second.
  let chained: { target: string; action: string }[] = [];
  for (let i = 0; i < 40; i++) {
    chained = sql.search({ kind: 'approval', limit: 10_000 }).map((r) => {
      const b = JSON.parse(r.body) as { target: string; action: string };
      return { target: b.target, action: b.action };
    });
    if (chained.length >= expected.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(
    chained.slice(0, expected.length),
    expected.map((e) => ({ target: e.approvalId, action: e.kind })),
  );
  const kinds = new Set(chained.map((c) => c.action));
  for (const k of ['requested', 'granted', 'denied', 'expired'])
    assert.ok(kinds.has(k), `a ${k} event is chained`);
  // The exchanges a grant let through carry the approval id.
  assert.ok(
    gw.ctx.store
      .listExchanges({ limit: 10_000 })
      .some((e) => e.approvalId !== null && e.approvalId !== undefined),
  );
});

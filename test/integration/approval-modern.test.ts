import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ApprovalView } from '../../src/approval/index.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { decide, pendingRequest, settle } from '../helpers/approvals.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningModernServer, startModernServer } from '../helpers/modern-server.ts';
import { post } from '../helpers/raw.ts';

// Approval in the 2026-07-28 era. Without the tasks extension the POST is held, as in the legacy
// era (the official v2 client). With it, the call becomes a task at once: the v2 SDK client
// (2.4.0) has no tasks-extension support, so that path is driven with raw JSON-RPC over HTTP.

let idp: TestIssuer;
let up: RunningModernServer;
let gw: Gateway;
let url: string;

const AUD = 'http://custos.test';
const V = '2026-07-28';
const POLICY = `
version: 1
rules:
  - id: support-tools
    effect: allow
    subjects: [{ group: support }]
    tools: [echo, confirm]
  - id: export-needs-dpo
    effect: approve
    subjects: [{ group: support }]
    tools: [echo]
    when: 'args.message.startsWith("export")'
    approval: { approvers: [dpo], timeout: 20s }
  - id: confirm-needs-dpo
    effect: approve
    subjects: [{ group: support }]
    tools: [confirm]
    approval: { approvers: [dpo], timeout: 20s }
`;

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  up = await startModernServer();
  const dir = mkdtempSync(join(tmpdir(), 'custos-approval-modern-'));
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
store: { sqlite: { path: ':memory:' } }
servers:
  m: { http: { url: '${up.url}' } }
`,
  );
  gw = await startGateway(loadConfigFile(join(dir, 'custos.yaml')));
  url = gw.routes.get('m') as string;
});

after(async () => {
  await gw.close();
  await up.close();
  await idp.close();
});

const token = (sub: string, groups: string[]) => idp.sign({ sub, aud: AUD, groups });

const META = (tasks: boolean) => ({
  'io.modelcontextprotocol/protocolVersion': V,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': tasks
    ? { elicitation: { form: {} }, extensions: { 'io.modelcontextprotocol/tasks': {} } }
    : { elicitation: { form: {} } },
});

function rpc(tok: string, id: number, method: string, params: Record<string, unknown>, name?: string) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${tok}`,
    'mcp-protocol-version': V,
    'mcp-method': method,
  };
  if (name !== undefined) headers['mcp-name'] = name;
  return post(url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: META(true) } }, headers);
}

type Task = {
  resultType: string;
  taskId: string;
  status: string;
  result?: unknown;
  error?: { code: number; data?: Record<string, unknown> };
  inputRequests?: Record<string, unknown>;
};

const resultOf = (r: { json: unknown }) => (r.json as { result: Task }).result;

test('2026-07-28 without the tasks extension: the official v2 client is held until the grant', async () => {
  const dan = await token('u-dan', ['dpo']);
  const client = new Client(
    { name: 'modern-approval', version: '1' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${await token('u-ann', ['support'])}` } },
    }),
  );
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), V);
    const call = settle(client.callTool({ name: 'echo', arguments: { message: 'export modern' } }));
    const req = await pendingRequest(gw.url, dan, (a) => a.requester === 'corp:u-ann');
    await decide(gw.url, dan, req.id, 'grant');
    const r = await call;
    assert.ok(r.ok, String(!r.ok && r.error));
    assert.deepEqual((r.value as { content: unknown }).content, [{ type: 'text', text: 'export modern' }]);
    const row = gw.ctx.store
      .listExchanges({ server: 'm', method: 'tools/call' })
      .find((e) => e.approvalId === req.id);
    assert.equal(row?.era, 'modern');
    assert.equal(row?.outcome, 'ok');
  } finally {
    await client.close();
  }
});

test('2026-07-28 with the tasks extension: a task at once, working while pending, completed with the result once granted', async () => {
  const dan = await token('u-dan', ['dpo']);
  const bo = await token('u-bo', ['support']);
  const created = await rpc(
    bo,
    1,
    'tools/call',
    { name: 'echo', arguments: { message: 'export as task' } },
    'echo',
  );
  assert.equal(created.status, 200, created.text);
  const task = resultOf(created);
  assert.equal(task.resultType, 'task');
  assert.equal(task.status, 'working');
  assert.match(task.taskId, /^custos-task-/);
  const req = await pendingRequest(gw.url, dan, (a) => a.requester === 'corp:u-bo');
  assert.equal(gw.ctx.store.getApproval(req.id)?.taskId, task.taskId);
  const poll = (tok: string, id: number) => rpc(tok, id, 'tasks/get', { taskId: task.taskId }, task.taskId);
  const working = resultOf(await poll(bo, 2));
  assert.equal(working.status, 'working');
  assert.equal(working.resultType, 'complete');
  // Someone else's task reads like an unknown one.
  const foreign = await poll(await token('u-cy', ['support']), 3);
  assert.equal((foreign.json as { error: { code: number } }).error.code, -32602);
  await decide(gw.url, dan, req.id, 'grant');
  const done = resultOf(await poll(bo, 4));
  assert.equal(done.status, 'completed');
  assert.deepEqual((done.result as { content: unknown }).content, [{ type: 'text', text: 'export as task' }]);
  // The upstream answered in line: the gateway held the task, not the upstream.
  const call = up.seen.filter((h) => h['mcp-method'] === 'tools/call').at(-1);
  assert.equal(call?.['mcp-name'], 'echo');
  const again = await poll(bo, 5);
  assert.equal(
    (again.json as { error: { code: number } }).error.code,
    -32602,
    'its result was delivered once',
  );
  const rows = gw.ctx.store.listExchanges({ server: 'm' }).filter((e) => e.approvalId === req.id);
  assert.ok(rows.some((e) => e.method === 'tools/call' && e.outcome === 'ok' && e.upstreamUs !== null));
});

test('2026-07-28 tasks: a denied request makes the task fail with the approval error', async () => {
  const dan = await token('u-dan', ['dpo']);
  const di = await token('u-di', ['support']);
  const task = resultOf(
    await rpc(di, 1, 'tools/call', { name: 'echo', arguments: { message: 'export no' } }, 'echo'),
  );
  const req = await pendingRequest(gw.url, dan, (a: ApprovalView) => a.requester === 'corp:u-di');
  await decide(gw.url, dan, req.id, 'deny');
  const failed = resultOf(await rpc(di, 2, 'tasks/get', { taskId: task.taskId }, task.taskId));
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, -32084);
  assert.equal(failed.error?.data?.approvalId, req.id);
});

test('2026-07-28 tasks: tasks/cancel withdraws a pending request', async () => {
  const dan = await token('u-dan', ['dpo']);
  const ed = await token('u-ed', ['support']);
  const task = resultOf(
    await rpc(ed, 1, 'tools/call', { name: 'echo', arguments: { message: 'export later' } }, 'echo'),
  );
  const req = await pendingRequest(gw.url, dan, (a) => a.requester === 'corp:u-ed');
  const ack = await rpc(ed, 2, 'tasks/cancel', { taskId: task.taskId }, task.taskId);
  assert.deepEqual((ack.json as { result: unknown }).result, { resultType: 'complete' });
  assert.equal(gw.ctx.store.getApproval(req.id)?.status, 'withdrawn');
  const late = await decide(gw.url, dan, req.id, 'grant');
  assert.equal(late.status, 409);
  const cancelled = resultOf(await rpc(ed, 3, 'tasks/get', { taskId: task.taskId }, task.taskId));
  assert.equal(cancelled.status, 'cancelled');
});

test('2026-07-28 tasks: input the upstream asks for (MRTR) goes through tasks/update', async () => {
  const dan = await token('u-dan', ['dpo']);
  const fi = await token('u-fi', ['support']);
  const task = resultOf(
    await rpc(fi, 1, 'tools/call', { name: 'confirm', arguments: { action: 'purge' } }, 'confirm'),
  );
  const req = await pendingRequest(gw.url, dan, (a) => a.requester === 'corp:u-fi');
  await decide(gw.url, dan, req.id, 'grant');
  const asking = resultOf(await rpc(fi, 2, 'tasks/get', { taskId: task.taskId }, task.taskId));
  assert.equal(asking.status, 'input_required', JSON.stringify(asking));
  assert.ok(asking.inputRequests && 'ok' in asking.inputRequests);
  const ack = await rpc(
    fi,
    3,
    'tasks/update',
    { taskId: task.taskId, inputResponses: { ok: { action: 'accept', content: { ok: true } } } },
    task.taskId,
  );
  assert.deepEqual((ack.json as { result: unknown }).result, { resultType: 'complete' });
  const done = resultOf(await rpc(fi, 4, 'tasks/get', { taskId: task.taskId }, task.taskId));
  assert.equal(done.status, 'completed', JSON.stringify(done));
  assert.deepEqual((done.result as { content: unknown }).content, [
    { type: 'text', text: 'purge: confirmed' },
  ]);
});

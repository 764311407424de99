import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../../src/gateway/server.ts';
import { recorded } from '../helpers/exchanges.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import {
  connectLegacy,
  processAlive,
  retry,
  textOf,
  waitFor,
  withTimeout,
} from '../helpers/legacy-client.ts';
import { legacyContract } from '../helpers/legacy-contract.ts';
import { messagesOf, openRawSession, openStream, type RpcMessage } from '../helpers/sse.ts';

// The legacy era through the gateway to a stdio upstream: one child process per client session,
// and the gateway itself plays the Streamable HTTP server (JSON or SSE answers, the GET stream,
// event ids of its own for Last-Event-ID). The same contract as the HTTP upstreams, then what
// only a child process does: crash, be killed, run out.

const FIXTURE = fileURLToPath(new URL('../fixtures/legacy-stdio-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STDIO = { stdio: { command: process.execPath, args: ['--import', 'tsx', FIXTURE], cwd: ROOT } };

let gw: Gateway;
let limited: Gateway;
/** Every child seen, to check that none outlives the gateways. */
const pids: number[] = [];

before(async () => {
  gw = await startTestGateway({ legacy: STDIO });
  limited = await startTestGateway({ one: STDIO }, { limits: { stdioProcesses: 1 } });
});

after(async () => {
  await gw.close();
  await limited.close();
  await waitFor(() => pids.every((p) => !processAlive(p)), 10_000, 'every child process to be gone');
});

async function pidOf(c: Awaited<ReturnType<typeof connectLegacy>>): Promise<number> {
  const pid = Number(textOf(await c.client.callTool({ name: 'pid', arguments: {} })));
  assert.ok(Number.isInteger(pid) && pid > 0);
  pids.push(pid);
  return pid;
}

legacyContract({ gw: () => gw, route: 'legacy', streaming: true });

test('each session has its own process; DELETE kills it', { timeout: 30_000 }, async (t) => {
  const a = await connectLegacy(gw, 'legacy');
  t.after(() => a.close());
  const b = await connectLegacy(gw, 'legacy');
  t.after(() => b.close());
  const pa = await pidOf(a);
  const pb = await pidOf(b);
  assert.notEqual(pa, pb);
  await a.transport.terminateSession();
  await waitFor(() => !processAlive(pa), 10_000, `process ${pa} to exit after DELETE`);
  assert.ok(processAlive(pb), 'the other session keeps its process');
  assert.equal(
    textOf(await b.client.callTool({ name: 'echo', arguments: { message: 'still here' } })),
    'still here',
  );
  await recorded(gw, { server: 'legacy', method: 'session/delete', sessionId: a.sessionId, httpStatus: 200 });
});

test('a child that dies before answering: the call fails with a JSON-RPC error, the process is gone, the session 404s', {
  timeout: 30_000,
}, async (t) => {
  const c = await connectLegacy(gw, 'legacy');
  t.after(() => c.close());
  const pid = await pidOf(c);
  // Nothing was sent yet, so the gateway answers with an HTTP error carrying the JSON-RPC error.
  const err = await withTimeout(
    c.client.callTool({ name: 'crash', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    ),
    10_000,
    'the crashed call to fail',
  );
  assert.ok(err, 'the call must fail');
  assert.match(err.message, /-32092/);
  assert.match(err.message, /CUSTOS_UPSTREAM_EXITED/);
  await waitFor(() => !processAlive(pid), 10_000, `process ${pid} to be gone`);
  const rec = await recorded(gw, {
    server: 'legacy',
    method: 'tools/call',
    name: 'crash',
    sessionId: c.sessionId,
  });
  assert.equal(rec.httpStatus, 502);
  assert.equal(rec.outcome, 'error');
  assert.equal(rec.errorCode, 'CUSTOS_UPSTREAM_EXITED');
  // A dead child is a dead session: the client must initialize again.
  const next = await openStream(gw.routes.get('legacy') as string, {
    headers: { 'mcp-session-id': c.sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  });
  assert.equal(next.status, 404);
  await next.text();
});

test('a child that dies mid-stream: the pending call gets a JSON-RPC error event', {
  timeout: 30_000,
}, async (t) => {
  const c = await connectLegacy(gw, 'legacy');
  t.after(() => c.close());
  const pid = await pidOf(c);
  const progress: number[] = [];
  const err = await withTimeout(
    c.client
      .callTool({ name: 'crash', arguments: { afterProgress: true } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      ),
    10_000,
    'the crashed call to fail',
  );
  assert.deepEqual(progress, [1]);
  assert.ok(err instanceof McpError, `an McpError, got ${String(err)}`);
  assert.equal(err.code, -32092);
  assert.equal((err.data as { code?: string } | undefined)?.code, 'CUSTOS_UPSTREAM_EXITED');
  await waitFor(() => !processAlive(pid), 10_000, `process ${pid} to be gone`);
  await recorded(gw, {
    server: 'legacy',
    method: 'tools/call',
    name: 'crash',
    httpStatus: 200,
    errorCode: 'CUSTOS_UPSTREAM_EXITED',
  });
});

test('Last-Event-ID: the gateway mints event ids and replays what a dropped connection missed', {
  timeout: 30_000,
}, async () => {
  const url = gw.routes.get('legacy') as string;
  const sid = await openRawSession(url);
  const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const first = await openStream(url, {
    headers: h,
    body: {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'slow', arguments: { ms: 900, steps: 3 }, _meta: { progressToken: 'p7' } },
    },
  });
  assert.equal(first.status, 200);
  assert.match(String(first.headers['content-type']), /^text\/event-stream/);
  const ev = await first.next(10_000);
  assert.ok(ev?.id, 'the first event has an id');
  assert.equal((JSON.parse(ev.data) as RpcMessage).method, 'notifications/progress');
  const m = /^([0-9a-z]+)-(\d+)$/.exec(ev.id);
  assert.ok(m, `a gateway event id <stream>-<seq>, got ${ev.id}`);
  first.drop();

  const resumed = await openStream(url, { method: 'GET', headers: { ...h, 'last-event-id': ev.id } });
  assert.equal(resumed.status, 200);
  const rest = await resumed.rest(10_000);
  const ids = rest.map((e) => e.id);
  const seq = Number(m[2]);
  assert.deepEqual(ids, [`${m[1]}-${seq + 1}`, `${m[1]}-${seq + 2}`, `${m[1]}-${seq + 3}`]);
  const msgs = rest.map((e) => JSON.parse(e.data) as RpcMessage);
  assert.deepEqual(
    msgs.filter((x) => x.method === 'notifications/progress').map((x) => x.params?.progress),
    [2, 3],
  );
  assert.deepEqual(msgs.at(-1)?.result?.content, [{ type: 'text', text: 'done after 900 ms' }]);
  const del = await openStream(url, { method: 'DELETE', headers: h });
  await del.text();
});

test('limits.stdioProcesses: the next session gets 503 with Retry-After, and a slot frees when a session ends', {
  timeout: 30_000,
}, async (t) => {
  const url = limited.routes.get('one') as string;
  const a = await connectLegacy(limited, 'one');
  t.after(() => a.close());
  const pa = await pidOf(a);
  const init = {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const refused = await openStream(url, { body: init });
  const [err] = await messagesOf(refused);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '10');
  assert.equal(refused.headers['mcp-session-id'], undefined);
  assert.equal(err?.error?.code, -32093);
  assert.equal(err?.error?.data?.code, 'CUSTOS_STDIO_LIMIT');
  await recorded(limited, {
    server: 'one',
    method: 'initialize',
    httpStatus: 503,
    errorCode: 'CUSTOS_STDIO_LIMIT',
  });
  // The refused initialize must not leave a session behind (it would count against the limits).
  assert.equal(limited.ctx.sessions.size, 1, 'only the session that has a process');

  await a.transport.terminateSession();
  await waitFor(() => !processAlive(pa), 10_000, 'the first process to exit');
  // The budget is released on the child's exit event, which may follow by a tick.
  const sid = await retry(() => openRawSession(url), 10_000, 'a new session to be accepted');
  const del = await openStream(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
  await del.text();
});

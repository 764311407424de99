import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/gateway/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { INIT, openSession, post, raw } from '../helpers/raw.ts';

// Limits that protect the gateway and the servers behind it: 429/503 with Retry-After, never a
// crash or an unbounded queue.

let up: RunningServer;
let gw: Gateway;
let url: string;
const STDIO_SERVER = new URL('../fixtures/legacy-stdio-server.ts', import.meta.url).pathname;

before(async () => {
  up = await startLegacyServer({ json: true });
  gw = await startTestGateway(
    {
      t: { http: { url: up.url } },
      s: { stdio: { command: process.execPath, args: ['--import', 'tsx', STDIO_SERVER] } },
    },
    { limits: { sessions: 3, sessionsPerCaller: 10, requestsPerSession: 2, idleSessionSeconds: 2 } },
  );
  url = gw.routes.get('t') as string;
});

after(async () => {
  await gw.close();
  await up.close();
});

const slowCall = (sid: string, id: number) =>
  post(
    url,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { ms: 600 } } },
    { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  );

test('concurrent requests per session over the limit get 429 with Retry-After; the others complete', async () => {
  const sid = await openSession(url);
  const results = await Promise.all([slowCall(sid, 1), slowCall(sid, 2), slowCall(sid, 3)]);
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 429]);
  const refused = results.find((r) => r.status === 429);
  assert.equal(refused?.headers['retry-after'], '1');
  assert.match(refused?.text ?? '', /CUSTOS_CONCURRENCY_LIMIT/);
  // The slot is free again afterwards.
  const again = await slowCall(sid, 4);
  assert.equal(again.status, 200);
  await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
});

test('a session neither expires nor frees its slot while an answer is held for its audit event', async () => {
  const sid = await openSession(url);
  const audit = gw.ctx.audit as { submit: typeof gw.ctx.audit.submit };
  const submit = audit.submit;
  let first = true;
  // The first event takes longer to become durable than the session may stay idle (2 s). A disk
  // that takes 2.6 s to sync cannot be had here on demand, so the real sink is called late instead.
  audit.submit = async (sub) => {
    if (first) {
      first = false;
      await new Promise((r) => setTimeout(r, 2_600));
    }
    return submit.call(gw.ctx.audit, sub);
  };
  try {
    const held = slowCall(sid, 1);
    await new Promise((r) => setTimeout(r, 1_000));
    // The held call still counts against requestsPerSession (2): one more fits, the next does not.
    const [second, third] = await Promise.all([slowCall(sid, 2), slowCall(sid, 3)]);
    assert.deepEqual([second.status, third.status].sort(), [200, 429]);
    assert.equal((await held).status, 200);
  } finally {
    audit.submit = submit;
  }
  const after = await slowCall(sid, 4);
  assert.equal(after.status, 200, 'the session outlived its held answer');
  await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
});

test('sessions in total over the limit get 503 with Retry-After', async () => {
  const ids = [await openSession(url), await openSession(url), await openSession(url)];
  const r = await post(url, INIT);
  assert.equal(r.status, 503);
  assert.equal(r.headers['retry-after'], '30');
  assert.match(r.text, /CUSTOS_SESSION_LIMIT/);
  for (const sid of ids) await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
  assert.equal(gw.ctx.sessions.size, 0);
});

test('an idle session expires: its id is then unknown and its stdio process is stopped', async () => {
  const s = gw.routes.get('s') as string;
  const sid = await openSession(s);
  const pidAnswer = await post(
    s,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pid', arguments: {} } },
    { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  );
  const pid = Number(/"text":"(\d+)"/.exec(pidAnswer.text)?.[1]);
  assert.ok(pid > 0, pidAnswer.text);
  // idleSessionSeconds: 2 (not 1: a 1 s stall of a loaded CI machine must not expire the other tests' sessions);
  // the sweeper runs every 500 ms. Bounded wait.
  let alive = true;
  for (let i = 0; i < 60 && (alive || gw.ctx.sessions.size > 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
  }
  assert.equal(alive, false, 'the stdio process was stopped');
  const after = await post(s, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sid });
  assert.equal(after.status, 404);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/gateway/server.ts';
import { recorded } from '../helpers/exchanges.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { legacyContract } from '../helpers/legacy-contract.ts';
import { type RunningRichServer, startRichLegacyServer } from '../helpers/legacy-rich-server.ts';
import { openRawSession, openStream, type RpcMessage } from '../helpers/sse.ts';

// The legacy era (2025-03-26 … 2025-11-25) through the gateway to HTTP upstreams, with the
// official SDK v1 client: the same contract against an upstream answering POSTs as SSE and one
// answering them as JSON, then what only an HTTP upstream does (its session and event ids).

let sse: RunningRichServer;
let json: RunningRichServer;
let resumable: RunningRichServer;
let gw: Gateway;
/** The same gateway with node:http alone reading requests (ingress.ownHttpServer: false). */
let gwNode: Gateway;

before(async () => {
  sse = await startRichLegacyServer();
  json = await startRichLegacyServer({ json: true });
  resumable = await startRichLegacyServer({ resumable: true });
  gw = await startTestGateway({
    sse: { http: { url: sse.url } },
    json: { http: { url: json.url } },
    resumable: { http: { url: resumable.url } },
  });
  gwNode = await startTestGateway(
    { 'sse-node-http': { http: { url: sse.url } } },
    { ingress: { ownHttpServer: false } },
  );
});

after(async () => {
  await gw.close();
  await gwNode.close();
  await Promise.all([sse.close(), json.close(), resumable.close()]);
});

legacyContract({
  gw: () => gw,
  route: 'sse',
  streaming: true,
  upstream: { started: () => sse.started, cancelled: () => sse.cancelled },
});
legacyContract({
  gw: () => gwNode,
  route: 'sse-node-http',
  streaming: true,
  upstream: { started: () => sse.started, cancelled: () => sse.cancelled },
});
legacyContract({
  gw: () => gw,
  route: 'json',
  streaming: false,
  upstream: { started: () => json.started, cancelled: () => json.cancelled },
});

test('the client sees the gateway session id, never the upstream one; DELETE ends the upstream session too', {
  timeout: 30_000,
}, async () => {
  const url = gw.routes.get('sse') as string;
  const before = sse.sessionIds.length;
  const sid = await openRawSession(url);
  assert.equal(sse.sessionIds.length, before + 1);
  const upstreamSid = sse.sessionIds.at(-1) as string;
  assert.notEqual(sid, upstreamSid);
  const del = await openStream(url, {
    method: 'DELETE',
    headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  });
  assert.equal(del.status, 200);
  await del.text();
  // Asked directly, the upstream no longer knows its session.
  const direct = await openStream(sse.url, {
    headers: { 'mcp-session-id': upstreamSid, 'mcp-protocol-version': '2025-11-25' },
    body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  });
  assert.equal(direct.status, 404);
  await direct.text();
});

test('Last-Event-ID: a dropped SSE answer resumes on GET with the upstream event ids passed through', {
  timeout: 30_000,
}, async () => {
  const url = gw.routes.get('resumable') as string;
  const sid = await openRawSession(url);
  const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const call = {
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'slow', arguments: { ms: 900, steps: 3 }, _meta: { progressToken: 'p7' } },
  };
  const first = await openStream(url, { headers: h, body: call });
  assert.equal(first.status, 200);
  assert.match(String(first.headers['content-type']), /^text\/event-stream/);
  const ev = await first.next(10_000);
  assert.ok(ev?.id, 'the first event has an id');
  assert.equal((JSON.parse(ev.data) as RpcMessage).method, 'notifications/progress');
  // The SDK's InMemoryEventStore mints `<stream id>_<time>_<random>`: the gateway minted none of its own.
  assert.match(ev.id, /^[0-9a-f-]{36}_\d+_[0-9a-z]+$/);
  first.drop();

  const resumed = await openStream(url, { method: 'GET', headers: { ...h, 'last-event-id': ev.id } });
  assert.equal(resumed.status, 200);
  const rest: RpcMessage[] = [];
  while (!rest.some((m) => m.id === 7)) {
    const next = await resumed.next(10_000);
    assert.ok(next, 'the resumed stream ended before the response');
    assert.match(next.id ?? '', /^[0-9a-f-]{36}_\d+_[0-9a-z]+$/);
    rest.push(JSON.parse(next.data) as RpcMessage);
  }
  resumed.drop();
  const progress = rest.filter((m) => m.method === 'notifications/progress').map((m) => m.params?.progress);
  assert.deepEqual(progress, [2, 3]);
  assert.deepEqual(rest.at(-1)?.result?.content, [{ type: 'text', text: 'done after 900 ms' }]);
  await recorded(gw, { server: 'resumable', method: 'stream', sessionId: sid, httpStatus: 200 });
});

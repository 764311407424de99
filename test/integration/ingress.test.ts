import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { uuidv7Time } from '../../src/core/uuid7.ts';
import type { Gateway } from '../../src/gateway/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { ACCEPT_BOTH, INIT, openSession, post, raw } from '../helpers/raw.ts';

// Bad input gets a clear error and the gateway stays up (issue: the data path).

let up: RunningServer;
let hang: Server;
let gw: Gateway;
let url: string;

before(async () => {
  up = await startLegacyServer({ json: true });
  // An upstream that accepts connections and never answers: the gateway must time out.
  hang = createServer(() => {});
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const hangPort = (hang.address() as AddressInfo).port;
  gw = await startTestGateway(
    {
      t: { http: { url: up.url } },
      down: { http: { url: 'http://127.0.0.1:9/mcp' } },
      hang: { http: { url: `http://127.0.0.1:${hangPort}/mcp` } },
    },
    {
      ingress: { maxBodyBytes: 1024, allowedOrigins: ['https://console.example.com'] },
      limits: { upstreamTimeoutSeconds: 1, sessionsPerCaller: 3, requestsPerSession: 2 },
    },
  );
  url = gw.routes.get('t') as string;
});

after(async () => {
  await gw.close();
  await up.close();
  hang.closeAllConnections();
  await new Promise<void>((r) => hang.close(() => r()));
});

function errorOf(json: unknown): {
  code: number;
  message: string;
  data: { code: string; requestId: string };
} {
  return (json as { error: { code: number; message: string; data: { code: string; requestId: string } } })
    .error;
}

test('malformed JSON is -32700 with 400', async () => {
  const r = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
  assert.equal(r.status, 400);
  assert.equal(errorOf(r.json).code, -32700);
  assert.equal(errorOf(r.json).data.code, 'CUSTOS_PARSE_ERROR');
  assert.equal(errorOf(r.json).data.requestId, r.headers['x-custos-request-id']);
  // A UUIDv7 made as the request came in (src/core/uuid7.ts): time-ordered for the audit's index.
  const id = String(r.headers['x-custos-request-id']);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(Math.abs(uuidv7Time(id) - Date.now()) < 60_000);
});

test('a body that is not a JSON-RPC message is -32600', async () => {
  for (const body of [
    { hello: 'world' },
    { jsonrpc: '1.0', id: 1, method: 'x' },
    [],
    42,
    { jsonrpc: '2.0', id: {}, method: 'x' },
  ]) {
    const r = await post(url, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(errorOf(r.json).code, -32600, JSON.stringify(body));
  }
});

test('an oversized body is 413, by Content-Length and by streaming', async () => {
  const big = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: { message: 'x'.repeat(2000) } },
  });
  const r = await post(url, big);
  assert.equal(r.status, 413);
  assert.equal(errorOf(r.json).data.code, 'CUSTOS_BODY_TOO_LARGE');
  // No Content-Length: the limit is enforced while reading.
  const chunked = await raw(url, {
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH },
    body: Readable.from([Buffer.from(big.slice(0, 600)), Buffer.from(big.slice(600))]),
  });
  assert.equal(chunked.status, 413);
});

test('a foreign Origin is 403; a listed one is allowed', async () => {
  const bad = await post(url, INIT, { origin: 'https://evil.example' });
  assert.equal(bad.status, 403);
  assert.equal(errorOf(bad.json).data.code, 'CUSTOS_ORIGIN_FORBIDDEN');
  const ok = await post(url, INIT, { origin: 'https://console.example.com' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://console.example.com');
  await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': ok.headers['mcp-session-id'] as string } });
});

test('a wrong Accept is 406 and a wrong Content-Type 415', async () => {
  const a = await post(url, INIT, { accept: 'application/json' });
  assert.equal(a.status, 406);
  const c = await raw(url, {
    headers: { 'content-type': 'text/plain', accept: ACCEPT_BOTH },
    body: JSON.stringify(INIT),
  });
  assert.equal(c.status, 415);
  const g = await raw(url, { method: 'GET', headers: { accept: 'application/json' } });
  assert.equal(g.status, 406);
});

test('unknown routes are 404 and other HTTP methods 405', async () => {
  const base = gw.url;
  for (const path of ['/mcp/nope', '/', '/mcp', '/mcp/t/extra']) {
    const r = await post(`${base}${path}`, INIT);
    assert.equal(r.status, 404, path);
    assert.equal(errorOf(r.json).data.code, 'CUSTOS_ROUTE_NOT_FOUND');
  }
  const put = await raw(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, POST, DELETE');
});

test('an unknown session id is 404', async () => {
  const r = await post(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { 'mcp-session-id': 'not-a-session' },
  );
  assert.equal(r.status, 404);
  assert.equal(errorOf(r.json).data.code, 'CUSTOS_SESSION_NOT_FOUND');
});

test('the gateway never hands out the upstream session id', async () => {
  const sid = await openSession(url);
  const r = await post(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  );
  assert.equal(r.status, 200);
  const upstreamIds = gw.ctx.store.listExchanges({ sessionId: sid });
  assert.ok(upstreamIds.length >= 2);
  // The upstream's id is only in the session table, never equal to what the client holds.
  const del = await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
  assert.equal(del.status, 200);
  const again = await post(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sid });
  assert.equal(again.status, 404);
});

test('an upstream that is down is a JSON-RPC error naming the server, with 502', async () => {
  const r = await post(gw.routes.get('down') as string, INIT);
  assert.equal(r.status, 502);
  const e = errorOf(r.json);
  assert.equal(e.data.code, 'CUSTOS_UPSTREAM_UNAVAILABLE');
  assert.match(e.message, /'down'/);
  assert.equal((r.json as { id: unknown }).id, 0);
  // The failed initialize left no session behind.
  assert.equal(gw.ctx.sessions.size, 0);
});

test('an upstream that does not answer is 504 after the configured timeout', async () => {
  const r = await post(gw.routes.get('hang') as string, INIT);
  assert.equal(r.status, 504);
  assert.equal(errorOf(r.json).data.code, 'CUSTOS_UPSTREAM_TIMEOUT');
  assert.match(errorOf(r.json).message, /'hang'/);
});

test('modern requests whose headers disagree with the body are refused with -32020', async () => {
  const body = {
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: {
      name: 'echo',
      arguments: { message: 'x' },
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
    },
  };
  const base = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' };
  const cases: Record<string, string>[] = [
    { ...base, 'mcp-name': 'delete_everything' },
    { ...base },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list', 'mcp-name': 'echo' },
    { 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
    { ...base, 'mcp-name': `=?base64?${Buffer.from('other').toString('base64')}?=` },
  ];
  for (const headers of cases) {
    const r = await post(url, body, headers);
    assert.equal(r.status, 400, JSON.stringify(headers));
    assert.equal(errorOf(r.json).code, -32020, JSON.stringify(headers));
  }
});

test('batches: allowed in 2025-03-26 only', async () => {
  const sid = await openSession(url, '2025-06-18');
  const batch = [
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { jsonrpc: '2.0', id: 2, method: 'ping' },
  ];
  const r = await post(url, batch, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
  assert.equal(r.status, 400);
  assert.equal(errorOf(r.json).data.code, 'CUSTOS_BATCH_NOT_ALLOWED');
  await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
});

test('sessions per caller are limited with 429 and Retry-After', async () => {
  const ids: string[] = [];
  let refused: Awaited<ReturnType<typeof post>> | undefined;
  for (let i = 0; i < 5 && !refused; i++) {
    const r = await post(url, INIT);
    if (r.status === 429) refused = r;
    else ids.push(r.headers['mcp-session-id'] as string);
  }
  assert.ok(refused, 'the limit of 3 sessions per caller was enforced');
  assert.equal(refused.headers['retry-after'], '30');
  assert.equal(errorOf(refused.json).data.code, 'CUSTOS_CALLER_SESSION_LIMIT');
  for (const sid of ids) await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
  // Freed slots can be used again.
  const again = await post(url, INIT);
  assert.equal(again.status, 200);
  await raw(url, {
    method: 'DELETE',
    headers: { 'mcp-session-id': again.headers['mcp-session-id'] as string },
  });
});

test('the gateway is still up after all of the above', async () => {
  const sid = await openSession(url);
  const r = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'still here' } },
    },
    { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  );
  assert.equal(r.status, 200);
  assert.match(r.text, /still here/);
  await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
});

test('a foreign Host header is 403 on a loopback gateway (DNS rebinding); loopback names pass', async () => {
  const { request } = await import('undici');
  const bad = await request(url, {
    method: 'POST',
    headers: { host: 'evil.example.com', 'content-type': 'application/json', accept: ACCEPT_BOTH },
    body: JSON.stringify(INIT),
  });
  assert.equal(bad.statusCode, 403);
  assert.equal(errorOf(await bad.body.json()).data.code, 'CUSTOS_HOST_FORBIDDEN');
  const port = new URL(url).port;
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'localhost']) {
    const ok = await request(url, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json', accept: ACCEPT_BOTH },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    await ok.body.dump();
    assert.notEqual(ok.statusCode, 403, host);
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Gateway } from '../../src/gateway/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { openSession, post, raw } from '../helpers/raw.ts';

// Property: whatever body and headers arrive, the gateway answers with a well-formed HTTP answer
// (never a 500, never a hang), every error body is a JSON-RPC error with a CUSTOS code, and it
// keeps serving afterwards.

let up: RunningServer;
let gw: Gateway;
let url: string;

before(async () => {
  up = await startLegacyServer({ json: true });
  gw = await startTestGateway(
    { t: { http: { url: up.url } } },
    { ingress: { maxBodyBytes: 4096, allowedOrigins: [] } },
  );
  url = gw.routes.get('t') as string;
});

after(async () => {
  await gw.close();
  await up.close();
});

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const rpcish = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.string()),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), jsonValue),
    method: fc.oneof(
      fc.constantFrom(
        'initialize',
        'tools/call',
        'tools/list',
        'ping',
        'notifications/initialized',
        'server/discover',
      ),
      fc.string(),
    ),
    params: fc.oneof(fc.dictionary(fc.string(), jsonValue), jsonValue),
    result: jsonValue,
    error: jsonValue,
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
  jsonValue.map((v) => JSON.stringify(v)),
  rpcish.map((v) => JSON.stringify(v)),
  fc.array(rpcish, { maxLength: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ minLength: 4097, maxLength: 6000 }),
);
const headerValue = fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const headers = fc.record(
  {
    'content-type': fc.oneof(
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'),
      headerValue,
    ),
    accept: fc.oneof(
      fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/event-stream', '*/*'),
      headerValue,
    ),
    'mcp-protocol-version': fc.oneof(
      fc.constantFrom('2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'),
      headerValue,
    ),
    'mcp-session-id': headerValue,
    'mcp-method': headerValue,
    'mcp-name': headerValue,
    'mcp-param-region': headerValue,
    origin: fc.oneof(fc.constant('https://evil.example'), headerValue),
    'last-event-id': headerValue,
  },
  { requiredKeys: [] },
);

const ALLOWED_STATUS = new Set([200, 202, 400, 403, 404, 405, 406, 409, 413, 415, 429]);

function assertWellFormed(status: number, text: string, contentType: string): void {
  assert.ok(ALLOWED_STATUS.has(status), `unexpected status ${status}: ${text.slice(0, 200)}`);
  if (status >= 400 && contentType.startsWith('application/json')) {
    const msg = JSON.parse(text) as { jsonrpc?: string; error?: { code?: unknown; message?: unknown } };
    assert.equal(msg.jsonrpc, '2.0');
    assert.equal(typeof msg.error?.code, 'number');
    assert.equal(typeof msg.error?.message, 'string');
  }
}

test('arbitrary POST bodies and headers get well-formed answers', async () => {
  await fc.assert(
    fc.asyncProperty(body, headers, async (b, h) => {
      const r = await raw(url, { method: 'POST', headers: h, body: b });
      assertWellFormed(r.status, r.text, String(r.headers['content-type'] ?? ''));
    }),
    { numRuns: 300 },
  );
});

test('arbitrary bodies inside a live session get well-formed answers', async () => {
  const sid = await openSession(url);
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const r = await raw(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-11-25',
        },
        body: b,
      });
      assertWellFormed(r.status, r.text, String(r.headers['content-type'] ?? ''));
    }),
    { numRuns: 200 },
  );
  await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
});

test('arbitrary methods and paths get well-formed answers', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
      fc.oneof(fc.constant('/mcp/t'), fc.webPath()),
      headers,
      async (method, path, h) => {
        const r = await raw(`${gw.url}${path.startsWith('/') ? path : `/${path}`}`, { method, headers: h });
        assert.ok(r.status < 500 && r.status !== 0, `${method} ${path}: ${r.status}`);
      },
    ),
    { numRuns: 150 },
  );
});

test('the gateway still serves a normal call after the fuzzing', async () => {
  const sid = await openSession(url);
  const r = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'alive' } },
    },
    { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  );
  assert.equal(r.status, 200);
  assert.match(r.text, /alive/);
});

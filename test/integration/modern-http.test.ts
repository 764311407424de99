import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { type RunningModernServer, startModernServer } from '../helpers/modern-server.ts';

// The 2026-07-28 era through the gateway with the official v2 client, and the v2 client's
// fallback to initialize against a legacy upstream.

let modern: RunningModernServer;
let legacy: RunningServer;
let gw: Gateway;

before(async () => {
  modern = await startModernServer();
  legacy = await startLegacyServer();
  gw = await startTestGateway({
    modern: { http: { url: modern.url } },
    legacy: { http: { url: legacy.url } },
  });
});

after(async () => {
  await gw.close();
  await modern.close();
  await legacy.close();
});

async function connect(route: string): Promise<Client> {
  const client = new Client(
    { name: 'custos-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: {} } },
  );
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { ok: true } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.routes.get(route) as string)));
  return client;
}

test('a v2 client negotiates 2026-07-28 through the gateway and calls tools statelessly', async () => {
  const client = await connect('modern');
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const tools = await client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['confirm', 'echo', 'slow']);
    const r = await client.callTool({ name: 'echo', arguments: { message: 'über' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'über' }]);
    const rec = gw.ctx.store.listExchanges({ server: 'modern', method: 'tools/call' });
    assert.ok(
      rec.some((e) => e.era === 'modern' && e.name === 'echo' && e.sessionId === null && e.outcome === 'ok'),
    );
    // Stateless: the gateway forwarded no session id, and mirrored headers reached the upstream.
    const call = modern.seen.find((h) => h['mcp-method'] === 'tools/call');
    assert.ok(call);
    assert.equal(call['mcp-session-id'], undefined);
    assert.equal(call['mcp-name'], 'echo');
    assert.equal(call['mcp-protocol-version'], '2026-07-28');
  } finally {
    await client.close();
  }
});

test('progress notifications stream through on the request SSE answer', async () => {
  const client = await connect('modern');
  try {
    const seen: number[] = [];
    const r = await client.callTool(
      { name: 'slow', arguments: { steps: 3 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    assert.deepEqual(r.content, [{ type: 'text', text: 'done in 3 steps' }]);
    assert.deepEqual(seen, [1, 2, 3]);
  } finally {
    await client.close();
  }
});

test('an InputRequiredResult round trip (MRTR elicitation) completes through the gateway', async () => {
  const client = await connect('modern');
  try {
    const r = await client.callTool({ name: 'confirm', arguments: { action: 'delete' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'delete: confirmed' }]);
    const calls = gw.ctx.store
      .listExchanges({ server: 'modern', method: 'tools/call' })
      .filter((e) => e.name === 'confirm');
    assert.ok(calls.length >= 2, 'the first call and its retry with inputResponses are two exchanges');
  } finally {
    await client.close();
  }
});

test('resources and prompts pass through in the modern era', async () => {
  const client = await connect('modern');
  try {
    const res = await client.readResource({ uri: 'test://note' });
    assert.equal((res.contents[0] as { text: string }).text, 'a note');
    const p = await client.getPrompt({ name: 'hello', arguments: { name: 'Ada' } });
    assert.match(JSON.stringify(p.messages), /Say hello to Ada/);
  } finally {
    await client.close();
  }
});

test('subscriptions/listen stays open and delivers change notifications', async () => {
  const client = await connect('modern');
  try {
    let changed = 0;
    const got = new Promise<void>((resolve) => {
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changed++;
        resolve();
      });
    });
    const sub = await client.listen({ toolsListChanged: true });
    modern.notifyToolsChanged();
    await withTimeout(got, 5000, 'list_changed notification');
    assert.equal(changed, 1);
    await sub.close();
  } finally {
    await client.close();
  }
});

test('a v2 client in auto mode falls back to initialize against a legacy upstream through the gateway', async () => {
  const client = await connect('legacy');
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
    const r = await client.callTool({ name: 'echo', arguments: { message: 'fallback' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'fallback' }]);
    const init = gw.ctx.store.listExchanges({ server: 'legacy', method: 'initialize' });
    assert.ok(init.length >= 1 && init.every((e) => e.era === 'legacy'));
  } finally {
    await client.close();
  }
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

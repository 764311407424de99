import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Gateway } from '../../src/gateway/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { post } from '../helpers/raw.ts';

// A 2026-07-28 stdio server shared by every caller: the gateway rewrites ids and progress
// tokens, so answers never cross between callers; a legacy client still gets its own process.

const SERVER = new URL('../fixtures/modern-stdio-server.ts', import.meta.url).pathname;
let gw: Gateway;
let url: string;

before(async () => {
  gw = await startTestGateway({
    m: { stdio: { command: process.execPath, args: ['--import', 'tsx', SERVER], era: 'modern' } },
  });
  url = gw.routes.get('m') as string;
});

after(async () => {
  await gw.close();
});

async function modernClient(): Promise<ModernClient> {
  const client = new ModernClient(
    { name: 'custos-test', version: '1' },
    { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: {} } },
  );
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { ok: false } }));
  await client.connect(new ModernTransport(new URL(url)));
  return client;
}

test('a v2 client negotiates 2026-07-28 with a shared stdio server and calls tools, with progress', async () => {
  const client = await modernClient();
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const r = await client.callTool({ name: 'echo', arguments: { message: 'über stdio' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'über stdio' }]);
    const seen: number[] = [];
    const slow = await client.callTool(
      { name: 'slow', arguments: { steps: 3 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    assert.deepEqual(slow.content, [{ type: 'text', text: 'done in 3 steps' }]);
    assert.deepEqual(seen, [1, 2, 3]);
    const mrtr = await client.callTool({ name: 'confirm', arguments: { action: 'export' } });
    assert.deepEqual(mrtr.content, [{ type: 'text', text: 'export: refused' }]);
  } finally {
    await client.close();
  }
});

test('two callers using the same JSON-RPC ids and progress tokens each get only their own answers', async () => {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'slow' };
  const call = (steps: number) =>
    post(
      url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps }, _meta: { ...meta, progressToken: 'p' } },
      },
      headers,
    );
  const [a, b] = await Promise.all([call(2), call(4)]);
  for (const [r, steps] of [
    [a, 2],
    [b, 4],
  ] as const) {
    assert.equal(r.status, 200);
    const events = r.text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map(
        (l) =>
          JSON.parse(l.slice(6)) as {
            id?: unknown;
            params?: { progressToken?: unknown; total?: number };
            result?: unknown;
          },
      );
    const progress = events.filter((e) => e.params?.progressToken !== undefined);
    assert.equal(progress.length, steps, 'only this call’s progress');
    assert.ok(progress.every((e) => e.params?.progressToken === 'p' && e.params.total === steps));
    const final = events.at(-1);
    assert.equal(final?.id, 1);
    assert.match(JSON.stringify(final?.result), new RegExp(`done in ${steps} steps`));
  }
});

test('a legacy client on the same route gets a process of its own', async () => {
  const client = new Client({ name: 'legacy', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const r = await client.callTool({ name: 'echo', arguments: { message: 'legacy' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'legacy' }]);
    assert.equal(gw.ctx.sessions.size, 1);
  } finally {
    await client.close();
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { CLI } from '../helpers/cli.ts';
import { type RunningDemo, startDemo } from '../helpers/demo.ts';

// The README's first command: `custos demo` starts the gateway on SQLite with the demo CRM
// server over HTTP and over stdio; both SDK clients work through it.

let demo: RunningDemo;
let routes: Map<string, string>;
let out = '';
const dir = mkdtempSync(join(tmpdir(), 'custos-demo-'));
const db = join(dir, 'demo.db');
let tokens = new Map<string, string>();

before(async () => {
  demo = await startDemo(['--import', 'tsx', CLI, 'demo', '--port', '0', '--dir', dir]);
  ({ out, routes, tokens } = demo);
});

after(() => demo.stop());

const bearer = (persona: string): Record<string, string> => ({
  Authorization: `Bearer ${tokens.get(persona)}`,
});

test('the demo prints the MCP URL, tokens for its personas and ready client configs', () => {
  assert.match(out, /custos route crm http:\/\/127\.0\.0\.1:\d+\/mcp\/crm/);
  assert.deepEqual([...tokens.keys()].sort(), ['alice', 'bob', 'ci']);
  assert.match(out, /"type": "http", "url": "http:\/\/127\.0\.0\.1:\d+\/mcp\/crm", "headers"/);
  assert.match(out, /mcp-remote/);
  assert.match(out, /inspector/);
});

for (const route of ['crm', 'crm-stdio']) {
  test(`SDK v1 (legacy era) through the demo gateway to ${route}`, async () => {
    const client = new Client({ name: 'demo-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(routes.get(route) as string), {
        requestInit: { headers: bearer('alice') },
      }),
    );
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      for (const name of [
        'search_customers',
        'get_customer',
        'export_customers',
        'delete_customer',
        'send_email',
      ]) {
        assert.ok(tools.includes(name), name);
      }
      const r = await client.callTool({ name: 'search_customers', arguments: { query: 'a', limit: 2 } });
      assert.ok(!r.isError);
      assert.ok((await client.listResources()).resources.length > 0);
      assert.ok((await client.listPrompts()).prompts.length > 0);
    } finally {
      await client.close();
    }
  });
}

test('SDK v2 negotiates 2026-07-28 through the demo gateway', async () => {
  const client = new ModernClient(
    { name: 'demo-test', version: '1' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(
    new ModernTransport(new URL(routes.get('crm') as string), { requestInit: { headers: bearer('ci') } }),
  );
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const r = await client.callTool({ name: 'get_customer', arguments: { id: 'cus_0001' } });
    assert.ok(!r.isError);
  } finally {
    await client.close();
  }
});

test('without a token the demo answers 401 with a pointer to its protected-resource metadata', async () => {
  const r = await fetch(routes.get('crm') as string, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  assert.equal(r.status, 401);
  const challenge = r.headers.get('www-authenticate') ?? '';
  const meta = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  assert.ok(meta, challenge);
  const doc = (await (await fetch(meta)).json()) as { resource: string; authorization_servers: string[] };
  assert.equal(doc.resource, routes.get('crm'));
  assert.equal(doc.authorization_servers.length, 1);
});

test('every exchange is written to the demo SQLite store, in the audit chain', async () => {
  // The store commits within milliseconds; wait for the last batch with a bound.
  let rows: { method: string; era: string }[] = [];
  for (let i = 0; i < 50 && !rows.some((r) => r.era === 'modern'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    const conn = new Database(db, { readonly: true });
    rows = conn
      .prepare("SELECT method, body ->> '$.era' AS era FROM audit_events WHERE kind = 'exchange'")
      .all() as typeof rows;
    conn.close();
  }
  assert.ok(rows.some((r) => r.method === 'initialize' && r.era === 'legacy'));
  const callers = new Database(db, { readonly: true })
    .prepare('SELECT DISTINCT caller FROM audit_events')
    .all() as { caller: string }[];
  assert.ok(callers.some((c) => c.caller === 'demo:u-alice-0001'));
  assert.ok(callers.some((c) => c.caller.startsWith('demo-ci:repo:example-org/reporting')));
  assert.ok(rows.some((r) => r.method === 'tools/call' && r.era === 'modern'));
});

test('the demo masks personal data in answers', async () => {
  const client = new Client({ name: 'demo-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(routes.get('crm') as string), {
      requestInit: { headers: bearer('alice') },
    }),
  );
  try {
    const r = await client.callTool({ name: 'get_customer', arguments: { id: 'cus_0001' } });
    const text = JSON.stringify(r);
    assert.doesNotMatch(text, /[a-z0-9.]+@example\.(com|org|net)"/, 'no whole e-mail address');
    assert.match(text, /\*\*\*@example\./, 'e-mails partially masked');
  } finally {
    await client.close();
  }
});

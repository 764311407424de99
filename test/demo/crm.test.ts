// The demo CRM server end to end with the official SDK clients: SDK v1 (legacy era, stateful
// Streamable HTTP sessions), SDK v2 negotiating 2026-07-28 at the same URL, and SDK v1 over stdio.

import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  LoggingMessageNotificationSchema,
  McpError,
  type TextContent,
} from '@modelcontextprotocol/sdk/types.js';
import { LISTED_CUSTOMERS } from '../../demo/crm/catalog.ts';
import { startCrmHttp } from '../../demo/crm/server.ts';

const CLIENT_INFO = { name: 'crm-test', version: '0.0.0' };
const TOOL_NAMES = [
  'customer_bytes',
  'delete_customer',
  'echo',
  'export_customers',
  'get_customer',
  'search_customers',
  'send_email',
];

const firstText = (result: object): string => {
  const [first] = (result as { content: TextContent[] }).content;
  assert.equal(first?.type, 'text');
  return first.text;
};

const promptText = (prompt: { messages: { content: unknown }[] }): string => {
  const [first] = prompt.messages;
  assert.ok(first);
  return (first.content as TextContent).text;
};

/** Closes what a test opened, last opened first: clients before the server they talk to. */
function closer(t: TestContext): (close: () => Promise<void>) => void {
  const stack: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const close of stack.reverse()) await close();
  });
  return (close) => {
    stack.push(close);
  };
}

async function connectLegacy(
  url: string,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client(CLIENT_INFO);
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

async function connectModern(url: string): Promise<ModernClient> {
  const client = new ModernClient(CLIENT_INFO, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new ModernTransport(new URL(url)));
  return client;
}

test('legacy era: SDK v1 client over a stateful Streamable HTTP session', async (t) => {
  const onClose = closer(t);
  const crm = await startCrmHttp();
  onClose(crm.close);
  assert.match(crm.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  const { client, transport } = await connectLegacy(crm.url);
  onClose(() => client.close());

  assert.equal(client.getServerVersion()?.name, 'custos-demo-crm');
  assert.ok(transport.sessionId, 'server assigned an Mcp-Session-Id');
  assert.ok(client.getServerCapabilities()?.logging);

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOL_NAMES);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  assert.equal(byName.get('delete_customer')?.annotations?.destructiveHint, true);
  assert.equal(byName.get('search_customers')?.outputSchema?.type, 'object');

  const logs: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(n.params.data);
  });
  const search = (await client.callTool({
    name: 'search_customers',
    arguments: { query: '', limit: 5 },
  })) as CallToolResult;
  const structured = search.structuredContent as {
    customers: { id: string }[];
    total: number;
    nextCursor?: string;
  };
  assert.equal(structured.customers.length, 5);
  assert.equal(structured.total, 200);
  assert.ok(structured.nextCursor);
  assert.deepEqual(JSON.parse(firstText(search)), structured);
  assert.deepEqual(logs, [{ event: 'search', queryLength: 0, matches: 200 }]);
  await client.setLoggingLevel('warning');
  await client.callTool({ name: 'search_customers', arguments: { query: 'x' } });
  assert.equal(logs.length, 1, 'info messages are filtered after logging/setLevel warning');

  const progress: number[] = [];
  const exported = await client.callTool(
    { name: 'export_customers', arguments: { format: 'csv' } },
    undefined,
    {
      onprogress: (p) => progress.push(p.progress),
    },
  );
  const lines = firstText(exported).trimEnd().split('\r\n');
  assert.equal(lines.length, 201);
  assert.ok(lines[0]?.startsWith('id,firstName,lastName,email'));
  assert.ok(progress.length >= 2, `progress notifications: ${progress.join(',')}`);
  assert.equal(progress.at(-1), 200);

  const echo = await client.callTool({ name: 'echo', arguments: { message: 'hallo' } });
  assert.equal(firstText(echo), 'hallo');

  const bytes = await client.callTool({ name: 'customer_bytes', arguments: { bytes: 20_000 } });
  assert.ok(Buffer.byteLength(firstText(bytes)) > 20_000);

  const { resources } = await client.listResources();
  assert.equal(resources.length, LISTED_CUSTOMERS + 1);
  assert.ok(resources.some((r) => r.uri === 'crm://schema'));
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(
    resourceTemplates.map((r) => r.uriTemplate),
    ['crm://customers/{id}'],
  );
  const read = await client.readResource({ uri: 'crm://customers/cus_0001' });
  const contents = read.contents[0] as { text: string; mimeType: string };
  assert.equal(contents.mimeType, 'application/json');
  assert.equal(JSON.parse(contents.text).id, 'cus_0001');
  await assert.rejects(client.readResource({ uri: 'crm://customers/cus_9999' }), (error: unknown) => {
    assert.ok(error instanceof McpError);
    assert.equal(error.code, -32002);
    return true;
  });

  const prompt = await client.getPrompt({ name: 'draft_gdpr_reply', arguments: { id: 'cus_0002' } });
  assert.equal(prompt.messages[0]?.role, 'user');
  assert.match(promptText(prompt), /Art\. 15/);

  // DELETE ends the session on the server.
  assert.equal(crm.server.legacySessionCount, 1);
  await transport.terminateSession();
  assert.equal(crm.server.legacySessionCount, 0);
});

test('modern era: SDK v2 client negotiates 2026-07-28 at the same URL', async (t) => {
  const onClose = closer(t);
  const crm = await startCrmHttp();
  onClose(crm.close);
  const client = await connectModern(crm.url);
  onClose(() => client.close());

  assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  assert.equal(client.getProtocolEra(), 'modern');
  assert.equal(client.getServerVersion()?.name, 'custos-demo-crm');
  assert.equal(crm.server.legacySessionCount, 0, 'no legacy session was opened');

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOL_NAMES);
  assert.equal(tools.find((tool) => tool.name === 'delete_customer')?.annotations?.destructiveHint, true);

  // 2026-07-28 has no logging/setLevel: a request opts into log messages with the _meta log level.
  const logs: unknown[] = [];
  client.setNotificationHandler('notifications/message', (n) => {
    logs.push(n.params.data);
  });
  const search = await client.callTool({
    name: 'search_customers',
    arguments: { query: 'example.net', limit: 3 },
    _meta: { 'io.modelcontextprotocol/logLevel': 'info' },
  });
  const page = search.structuredContent as { customers: { email: string }[]; total: number };
  assert.equal(page.customers.length, 3);
  assert.ok(page.customers.every((c) => c.email.endsWith('@example.net')));
  assert.deepEqual(logs, [{ event: 'search', queryLength: 11, matches: page.total }]);

  const found = await client.callTool({ name: 'get_customer', arguments: { id: 'cus_0003' } });
  assert.equal((found.structuredContent as { id: string }).id, 'cus_0003');

  const progress: number[] = [];
  const exported = await client.callTool(
    { name: 'export_customers', arguments: { format: 'json', limit: 40 } },
    { onprogress: (p) => progress.push(p.progress) },
  );
  assert.equal((JSON.parse(firstText(exported)) as unknown[]).length, 40);
  assert.equal(progress.at(-1), 40);

  const sent = await client.callTool({
    name: 'send_email',
    arguments: { to: 'anna@example.com', subject: 'Hi', body: 'Hello' },
  });
  assert.match(JSON.parse(firstText(sent)).messageId, /^msg_/);
  assert.equal(crm.server.store.outbox.length, 1);

  const schema = await client.readResource({ uri: 'crm://schema' });
  assert.equal(JSON.parse((schema.contents[0] as { text: string }).text).type, 'object');
  const { resources } = await client.listResources();
  assert.equal(resources.length, LISTED_CUSTOMERS + 1);
  // 2026-07-28 reports resource-not-found as -32602 carrying data.uri.
  await assert.rejects(client.readResource({ uri: 'crm://customers/cus_9999' }), (error: unknown) => {
    assert.equal((error as { code?: number }).code, -32602);
    assert.deepEqual((error as { data?: unknown }).data, { uri: 'crm://customers/cus_9999' });
    return true;
  });

  const prompt = await client.getPrompt({ name: 'summarize_customer', arguments: { id: 'cus_0001' } });
  assert.match(promptText(prompt), /cus_0001/);
});

test('both eras share one store: a delete over 2026-07-28 is seen by a legacy session', async (t) => {
  const onClose = closer(t);
  const crm = await startCrmHttp({ customers: 20 });
  onClose(crm.close);
  const modern = await connectModern(crm.url);
  onClose(() => modern.close());
  const { client: legacy } = await connectLegacy(crm.url);
  onClose(() => legacy.close());

  const deleted = await modern.callTool({
    name: 'delete_customer',
    arguments: { id: 'cus_0007', reason: 'Art. 17' },
  });
  assert.deepEqual(JSON.parse(firstText(deleted)), { deleted: 'cus_0007', reason: 'Art. 17' });
  const gone = await legacy.callTool({ name: 'get_customer', arguments: { id: 'cus_0007' } });
  assert.equal(gone.isError, true);
  assert.equal(crm.server.store.size, 19);
});

test('stdio: SDK v1 client spawning demo/crm/stdio.ts', async (t) => {
  const entry = fileURLToPath(new URL('../../demo/crm/stdio.ts', import.meta.url));
  const client = new Client(CLIENT_INFO);
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', entry], stderr: 'pipe' }),
  );
  closer(t)(() => client.close());

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOL_NAMES);
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'über stdio' } });
  assert.equal(firstText(echo), 'über stdio');
  const read = await client.readResource({ uri: 'crm://customers/cus_0200' });
  assert.equal(JSON.parse((read.contents[0] as { text: string }).text).id, 'cus_0200');
  const prompt = await client.getPrompt({ name: 'summarize_customer', arguments: { id: 'cus_0010' } });
  assert.equal(prompt.messages.length, 1);
});

test('HTTP front: unknown path 404, wrong media type 415, bad JSON 400, unknown session 404', async (t) => {
  const onClose = closer(t);
  const crm = await startCrmHttp({ customers: 1 });
  onClose(crm.close);
  const post = (headers: Record<string, string>, body: string, url = crm.url) =>
    fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json, text/event-stream', ...headers },
      body,
    });

  assert.equal(
    (await post({ 'content-type': 'application/json' }, '{}', crm.url.replace('/mcp', '/x'))).status,
    404,
  );
  assert.equal((await post({ 'content-type': 'text/plain' }, '{}')).status, 415);
  const bad = await post({ 'content-type': 'application/json' }, '{nope');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: number } }).error.code, -32700);
  const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
  const stale = await post({ 'content-type': 'application/json', 'mcp-session-id': 'no-such-session' }, ping);
  assert.equal(stale.status, 404);
  await stale.body?.cancel();
});

test('legacy session by hand: initialize, GET notification stream, DELETE, then 404', async (t) => {
  const onClose = closer(t);
  const crm = await startCrmHttp({ customers: 1 });
  onClose(crm.close);
  const accept = 'application/json, text/event-stream';
  const init = await fetch(crm.url, {
    method: 'POST',
    headers: { accept, 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: CLIENT_INFO },
    }),
  });
  assert.equal(init.status, 200);
  assert.match(await init.text(), /"protocolVersion":"2025-06-18"/);
  const sessionId = init.headers.get('mcp-session-id');
  assert.ok(sessionId);
  const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };

  const stream = await fetch(crm.url, { headers: { accept: 'text/event-stream', ...session } });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get('content-type'), 'text/event-stream');
  await stream.body?.cancel();

  const deleted = await fetch(crm.url, { method: 'DELETE', headers: session });
  assert.equal(deleted.status, 200);
  await deleted.body?.cancel();
  assert.equal(crm.server.legacySessionCount, 0);
  const after = await fetch(crm.url, { headers: { accept: 'text/event-stream', ...session } });
  assert.equal(after.status, 404);
  await after.body?.cancel();
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startRelay } from '../../bench/relay.ts';
import { startBenchUpstream } from '../../bench/upstream.ts';

// bench/relay.ts is the bench's floor of a Node.js process on the path: it must relay an MCP
// session byte for byte, large answers included, and leave no connection behind.

const urlOf = (server: Server, path: string): URL =>
  new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);

async function callBoth(url: URL): Promise<unknown[]> {
  const client = new Client({ name: 'relay-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url));
  try {
    return [
      await client.callTool({ name: 'echo', arguments: { message: 'hi' } }),
      await client.callTool({ name: 'customer', arguments: { bytes: 65_536 } }),
    ];
  } finally {
    await client.close();
  }
}

test('an MCP session through the relay gets the answers it gets directly, 64 KiB ones too', async (t) => {
  const upstream = await startBenchUpstream({ host: '127.0.0.1', port: 0, sse: false });
  t.after(() => upstream.close());
  const relay = await startRelay(new URL(upstream.url));
  t.after(() => relay.close());
  const direct = await callBoth(new URL(upstream.url));
  const relayed = await callBoth(urlOf(relay, '/mcp'));
  assert.deepEqual(relayed, direct);
  const text = (relayed[1] as { content: { text: string }[] }).content[0]?.text ?? '';
  assert.ok(text.length > 65_000, `the large answer arrived whole (${text.length} characters)`);
});

test('a closed side closes the other, whichever closes first', async (t) => {
  const accepted: Socket[] = [];
  const upstream = createServer((s) => {
    accepted.push(s);
    s.on('data', (d) => s.write(d));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const relay = await startRelay(urlOf(upstream, '/'));
  t.after(() => relay.close());
  const port = (relay.address() as AddressInfo).port;

  // The client goes first, with a reset (no end of stream for pipe() to pass on): its upstream
  // connection is closed.
  const first = connect({ host: '127.0.0.1', port });
  first.write('ping');
  const [echoed] = (await once(first, 'data')) as [Buffer];
  assert.equal(echoed.toString(), 'ping');
  const up1 = accepted[0] as Socket;
  first.resetAndDestroy();
  await once(up1, 'close');

  // The upstream goes first, with a reset too: the client's connection is closed.
  const second = connect({ host: '127.0.0.1', port });
  second.write('pong');
  await once(second, 'data');
  (accepted[1] as Socket).resetAndDestroy();
  await once(second, 'close');
  assert.equal(accepted.length, 2);
});

test('an upstream off loopback is refused', async () => {
  await assert.rejects(startRelay(new URL('http://192.0.2.1:80/mcp')), /must be on loopback/);
});

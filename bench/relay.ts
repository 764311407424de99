import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { baselineArgs } from './baseline-args.ts';

// The floor of any Node.js process on the data path: each client connection gets one connection to
// the upstream, and the bytes are relayed both ways as they come. No HTTP is parsed, so nothing is
// routed, checked or recorded; its CPU per call is what the kernel's loopback, libuv's polling and
// one read and one write per direction cost a Node.js process here. A baseline for bench/run.ts,
// not a product:
//   node --import tsx bench/relay.ts --upstream http://127.0.0.1:8801/mcp --port 0

/** Relays every connection to `upstream` (loopback only); resolves once it listens. */
export function startRelay(upstream: URL, port = 0): Promise<Server> {
  if (upstream.hostname !== '127.0.0.1' && upstream.hostname !== 'localhost')
    return Promise.reject(new Error(`relay: the upstream must be on loopback, not ${upstream.hostname}`));
  const upstreamPort = Number(upstream.port || 80);
  const server = createServer((client) => {
    client.setNoDelay(true);
    const up = connect({ host: '127.0.0.1', port: upstreamPort });
    up.setNoDelay(true);
    // pipe() pauses the faster side when the other's buffer is full: memory stays bounded.
    client.pipe(up);
    up.pipe(client);
    const end = (other: Socket) => () => other.destroy();
    client.on('close', end(up));
    up.on('close', end(client));
    // An error closes the socket, and its close closes the other one.
    client.on('error', () => {});
    up.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  const { upstream, port: listenPort } = baselineArgs('relay');
  const server = await startRelay(upstream, listenPort).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    return process.exit(2);
  });
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`relay listening on http://127.0.0.1:${port}${upstream.pathname}\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      server.close();
      process.exit(0);
    });
  }
}

if (import.meta.filename === process.argv[1]) await main();

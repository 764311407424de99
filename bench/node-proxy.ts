import { createServer, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, Pool } from 'undici';
import { baselineArgs } from './baseline-args.ts';

// The floor of any Node.js proxy on this machine: a node:http server and an undici keep-alive pool,
// nothing else. It forwards the MCP streamable-http headers and the body, and validates nothing.
// A baseline for bench/run.ts, not a product:
//   node --import tsx bench/node-proxy.ts --upstream http://127.0.0.1:8801/mcp --port 0

const FORWARD_UP = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version'] as const;
const FORWARD_BACK = ['content-type', 'mcp-session-id'] as const;

const { upstream, port: listenPort } = baselineArgs('node-proxy');
const pool = new Pool(upstream.origin, { connections: 64, keepAliveTimeout: 30_000 });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const server = createServer(async (req, res) => {
  try {
    const headers: Record<string, string> = {};
    for (const name of FORWARD_UP) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    // The request body is buffered (an MCP POST is small); the answer streams.
    const body = req.method === 'POST' ? await readBody(req) : null;
    // undici's stream(): the answer's bytes go straight into `res` as they come (SSE included),
    // without a Readable in between; the cheapest way undici offers to proxy.
    await pool.stream(
      { path: req.url ?? '/', method: req.method as Dispatcher.HttpMethod, headers, body },
      (answer) => {
        const back: OutgoingHttpHeaders = {};
        for (const name of FORWARD_BACK) {
          const value = answer.headers[name];
          if (value !== undefined) back[name] = value;
        }
        res.writeHead(answer.statusCode, back);
        return res;
      },
    );
  } catch {
    if (res.headersSent) res.destroy();
    else res.writeHead(502).end();
  }
});

server.listen(listenPort, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`node-proxy listening on http://127.0.0.1:${port}${upstream.pathname}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    pool.destroy().finally(() => process.exit(0));
  });
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { fakeCustomers } from './fake-customers.ts';

// The benchmark upstream: a stateful SDK v1 MCP server (one McpServer per session) with two tools,
//   echo {message}    returns the message
//   customer {bytes}  returns fake customer records just over `bytes` long
// Run on its own:  node --import tsx bench/upstream.ts [--port 0] [--host 127.0.0.1] [--sse]
// It prints `upstream listening on http://HOST:PORT/mcp` once ready.

function buildBenchServer(): McpServer {
  const server = new McpServer({ name: 'custos-bench-upstream', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns the message', inputSchema: { message: z.string() } },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  server.registerTool(
    'customer',
    {
      description: 'Fake customer records (names, emails, phones, IBANs) of about `bytes` bytes',
      inputSchema: {
        bytes: z
          .number()
          .int()
          .min(1)
          .max(16 * 1024 * 1024)
          .default(1024),
      },
    },
    async ({ bytes }) => ({ content: [{ type: 'text', text: fakeCustomers(bytes) }] }),
  );
  return server;
}

export interface BenchUpstreamOptions {
  host: string;
  port: number;
  /** Answer POSTs with SSE instead of a JSON body. */
  sse: boolean;
}

/** Serves buildBenchServer() over stateful Streamable HTTP at /mcp; resolves with its URL. */
export async function startBenchUpstream(
  options: BenchUpstreamOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const transports = new Map<string, StreamableHTTPServerTransport>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(404).end();
      return;
    }
    const sid = req.headers['mcp-session-id'];
    let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (typeof sid === 'string' && !transport) {
      res.writeHead(404).end('unknown session');
      return;
    }
    if (!transport) {
      // A new session; the transport itself answers 400 unless this is an initialize request.
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: !options.sse,
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      created.onclose = () => {
        if (created.sessionId) transports.delete(created.sessionId);
      };
      await buildBenchServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(options.port, options.host, resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      sse: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const { url } = await startBenchUpstream({ host: values.host, port: Number(values.port), sse: values.sse });
  process.stdout.write(`upstream listening on ${url} (${values.sse ? 'SSE' : 'JSON'} responses)\n`);
  const stop = (): void => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.filename === process.argv[1]) await main();

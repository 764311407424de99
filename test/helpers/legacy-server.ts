import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type EventStore,
  StreamableHTTPServerTransport,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A small legacy-era (SDK v1) MCP server for gateway tests: stateful sessions, and tools that
 * exercise what a gateway can break — progress, logging, sampling, elicitation, roots, slow calls.
 */
export function buildLegacyServer(): McpServer {
  const server = new McpServer({ name: 'legacy-test', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  server.registerTool(
    'slow',
    { inputSchema: { ms: z.number(), steps: z.number().default(3) } },
    async ({ ms, steps }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, ms / steps));
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps },
          });
        }
      }
      return { content: [{ type: 'text', text: `done after ${ms} ms` }] };
    },
  );
  server.registerTool('log', { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: text } });
    return { content: [{ type: 'text', text: 'logged' }] };
  });
  server.registerTool('ask_llm', { inputSchema: { prompt: z.string() } }, async ({ prompt }) => {
    const r = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
      maxTokens: 50,
    });
    return { content: [{ type: 'text', text: `llm said: ${(r.content as { text?: string }).text ?? ''}` }] };
  });
  server.registerTool('ask_user', { inputSchema: { question: z.string() } }, async ({ question }) => {
    const r = await server.server.elicitInput({
      message: question,
      requestedSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
    });
    return {
      content: [{ type: 'text', text: `user said: ${JSON.stringify(r.content ?? null)} (${r.action})` }],
    };
  });
  server.registerTool('list_roots', { inputSchema: {} }, async () => {
    const r = await server.server.listRoots();
    return { content: [{ type: 'text', text: r.roots.map((x) => x.uri).join(',') }] };
  });
  server.registerResource('greeting', 'test://greeting', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'hello' }],
  }));
  server.registerPrompt('hello', { argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}` } }],
  }));
  return server;
}

export interface RunningServer {
  url: string;
  server: Server;
  /** The headers of every request the server received, in order. */
  readonly seen?: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

export interface ServeLegacyOptions {
  /** Answer with JSON instead of SSE. */
  json?: boolean;
  /** An event store, so streams can be resumed with Last-Event-ID. */
  eventStore?: EventStore;
  /** Told each upstream session id as it is handed out. */
  onSession?: (id: string) => void;
}

/** Serves `build()` over stateful Streamable HTTP, one McpServer per session (SDK v1). */
export async function serveLegacy(
  build: () => McpServer,
  opts: ServeLegacyOptions = {},
): Promise<RunningServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const seen: Record<string, string | string[] | undefined>[] = [];
  const http = createServer(async (req, res) => {
    seen.push({ ...req.headers });
    const sid = req.headers['mcp-session-id'];
    let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (!transport) {
      if (typeof sid === 'string') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32001, message: 'Session not found' },
          }),
        );
        return;
      }
      const t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: opts.json ?? false,
        ...(opts.eventStore ? { eventStore: opts.eventStore } : {}),
        onsessioninitialized: (id) => {
          transports.set(id, t);
          opts.onSession?.(id);
        },
      });
      t.onclose = () => {
        if (t.sessionId) transports.delete(t.sessionId);
      };
      await build().connect(t);
      transport = t;
    }
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    server: http,
    seen,
    async close() {
      for (const t of transports.values()) await t.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/** Serves buildLegacyServer() over stateful Streamable HTTP, one McpServer per session. */
export function startLegacyServer(opts: { json?: boolean } = {}): Promise<RunningServer> {
  return serveLegacy(buildLegacyServer, opts);
}

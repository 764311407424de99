import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { RunningServer } from './legacy-server.ts';

/** A 2026-07-28 server (SDK v2): stateless; legacy requests get the SDK's stateless fallback. */
export function buildModernServer(): McpServer {
  const server = new McpServer({ name: 'modern-test', version: '2.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  server.registerTool('slow', { inputSchema: z.object({ steps: z.number() }) }, async ({ steps }, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      await new Promise((r) => setTimeout(r, 10));
      if (token !== undefined) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress: i, total: steps },
        });
      }
    }
    return { content: [{ type: 'text', text: `done in ${steps} steps` }] };
  });
  server.registerTool(
    'confirm',
    { inputSchema: z.object({ action: z.string() }) },
    async ({ action }, ctx) => {
      const schema = z.object({ ok: z.boolean() });
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'ok', schema);
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            ok: inputRequired.elicit({ message: `Really ${action}?`, requestedSchema: schema }),
          },
        });
      }
      return { content: [{ type: 'text', text: answer.ok ? `${action}: confirmed` : `${action}: refused` }] };
    },
  );
  server.registerResource('note', 'test://note', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'a note' }],
  }));
  server.registerPrompt('hello', { argsSchema: z.object({ name: z.string() }) }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}` } }],
  }));
  return server;
}

export interface RunningModernServer extends RunningServer {
  notifyToolsChanged(): void;
  /** Headers of every request the server received, in order (to check what the gateway forwards). */
  readonly seen: Record<string, string | string[] | undefined>[];
}

export async function startModernServer(): Promise<RunningModernServer> {
  const handler = createMcpHandler(() => buildModernServer());
  const node = toNodeHandler(handler);
  const seen: Record<string, string | string[] | undefined>[] = [];
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ ...req.headers });
    void node(req as unknown as Parameters<typeof node>[0], res as unknown as Parameters<typeof node>[1]);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    server: http,
    seen,
    notifyToolsChanged: () => handler.notify.toolsChanged(),
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

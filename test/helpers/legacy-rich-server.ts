import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { buildLegacyServer, type RunningServer, serveLegacy } from './legacy-server.ts';

// buildLegacyServer() plus what the legacy-era end-to-end tests need beyond it: resources/list in
// pages, a resource template, resource subscriptions with an update sent outside any request, and
// a long tool that stops when cancelled. Used over HTTP here and over stdio by
// test/fixtures/legacy-stdio-server.ts, so both transports serve the same catalogue.

export const ITEM_COUNT = 25;
export const PAGE_SIZE = 10;

export interface RichServerHooks {
  /** Called when a `wait` call starts running on the server. */
  onStarted?: (requestId: string | number) => void;
  /** Called when the `wait` tool sees its request cancelled (notifications/cancelled arrived). */
  onCancelled?: (requestId: string | number) => void;
}

export function buildRichLegacyServer(hooks: RichServerHooks = {}): McpServer {
  const server = buildLegacyServer();
  server.server.registerCapabilities({ resources: { subscribe: true } });
  const subscribed = new Set<string>();

  server.registerResource(
    'item',
    new ResourceTemplate('test://items/{n}', { list: undefined }),
    { mimeType: 'text/plain' },
    async (uri, { n }) => ({ contents: [{ uri: uri.href, text: `item ${String(n)}` }] }),
  );
  // McpServer does not paginate; this replaces its resources/list with one in pages of PAGE_SIZE.
  const all = [
    { uri: 'test://greeting', name: 'greeting', mimeType: 'text/plain' },
    ...Array.from({ length: ITEM_COUNT }, (_, i) => ({
      uri: `test://items/${i + 1}`,
      name: `item ${i + 1}`,
      mimeType: 'text/plain',
    })),
  ];
  server.server.setRequestHandler(ListResourcesRequestSchema, async (req) => {
    const cursor = req.params?.cursor;
    const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start >= all.length) {
      throw new McpError(ErrorCode.InvalidParams, 'invalid cursor');
    }
    const end = start + PAGE_SIZE;
    const page = { resources: all.slice(start, end) };
    return end < all.length ? { ...page, nextCursor: Buffer.from(String(end)).toString('base64url') } : page;
  });
  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });
  // The update is sent after the tool's answer and without a related request, so a Streamable
  // HTTP server can only deliver it on the GET stream (MCP 2025-11-25 basic/transports).
  server.registerTool('touch', { inputSchema: { uri: z.string() } }, async ({ uri }) => {
    const known = subscribed.has(uri);
    if (known) setTimeout(() => void server.server.sendResourceUpdated({ uri }).catch(() => {}), 0);
    return { content: [{ type: 'text', text: known ? 'touched' : 'not subscribed' }] };
  });
  // A change of the session's state, announced while the call is still running: it belongs on
  // the GET stream, not in this call's answer (MCP 2025-11-25 transports: messages on a POST's
  // stream SHOULD relate to its request).
  server.registerTool('announce', { inputSchema: {} }, async () => {
    await server.server.sendResourceListChanged();
    return { content: [{ type: 'text', text: 'announced' }] };
  });
  server.registerTool('wait', { inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    hooks.onStarted?.(extra.requestId);
    const token = extra._meta?.progressToken;
    // One progress notification first, so a client knows the call reached the server.
    if (token !== undefined) {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: 0 },
      });
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      extra.signal.addEventListener('abort', () => {
        clearTimeout(t);
        hooks.onCancelled?.(extra.requestId);
        resolve();
      });
    });
    return { content: [{ type: 'text', text: extra.signal.aborted ? 'cancelled' : `waited ${ms} ms` }] };
  });
  return server;
}

export interface RunningRichServer extends RunningServer {
  /** Request ids of `wait` calls the server started, and of those it saw cancelled. */
  readonly started: (string | number)[];
  readonly cancelled: (string | number)[];
  /** Upstream session ids handed out (not the gateway's). */
  readonly sessionIds: string[];
}

/** Serves buildRichLegacyServer() over stateful Streamable HTTP; `resumable` adds an event store. */
export async function startRichLegacyServer(
  opts: { json?: boolean; resumable?: boolean } = {},
): Promise<RunningRichServer> {
  const started: (string | number)[] = [];
  const cancelled: (string | number)[] = [];
  const sessionIds: string[] = [];
  const running = await serveLegacy(
    () =>
      buildRichLegacyServer({ onStarted: (id) => started.push(id), onCancelled: (id) => cancelled.push(id) }),
    {
      json: opts.json ?? false,
      ...(opts.resumable ? { eventStore: new InMemoryEventStore() } : {}),
      onSession: (id) => sessionIds.push(id),
    },
  );
  return { ...running, started, cancelled, sessionIds };
}

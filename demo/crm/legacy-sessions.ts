// Legacy-era Streamable HTTP (2025-03-26 … 2025-11-25): stateful sessions with Mcp-Session-Id,
// the GET notification stream and DELETE, served by one SDK v1 transport + McpServer per session.
// The v2 createMcpHandler only offers a stateless legacy fallback (GET/DELETE answer 405), which
// would not exercise a gateway's session handling, hence this leg.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { writeJsonRpcError } from './http-errors.ts';
import { createLegacyServer } from './register-legacy.ts';
import type { CrmStore } from './store.ts';

export class LegacySessions {
  readonly #store: CrmStore;
  // Keyed by a client-supplied header, hence a Map.
  readonly #transports = new Map<string, StreamableHTTPServerTransport>();

  constructor(store: CrmStore) {
    this.#store = store;
  }

  get size(): number {
    return this.#transports.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = this.#transports.get(sessionId);
      // Streamable HTTP: an unknown or terminated session is answered 404 so the client re-initializes.
      if (transport === undefined) return writeJsonRpcError(res, 404, -32001, 'Session not found');
      return transport.handleRequest(req, res, body);
    }
    if (req.method === 'POST' && isInitializeRequest(body)) return this.#open(req, res, body);
    writeJsonRpcError(
      res,
      400,
      -32000,
      'Bad Request: no valid Mcp-Session-Id header and not an initialize request',
    );
  }

  async #open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) this.#transports.delete(transport.sessionId);
    };
    const server = createLegacyServer(this.#store);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  /** Ends every session; their open SSE streams finish, so the HTTP server can close. */
  async closeAll(): Promise<void> {
    const transports = Array.from(this.#transports.values());
    this.#transports.clear();
    await Promise.allSettled(transports.map((t) => t.close()));
  }
}

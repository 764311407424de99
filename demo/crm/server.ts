// The demo CRM over HTTP: both MCP protocol eras at one path (/mcp).
//
// Dispatch, per request: isLegacyRequest() — the SDK's own era classifier, the exact code
// createMcpHandler routes by — decides. Requests carrying the 2026-07-28 per-request `_meta`
// envelope (io.modelcontextprotocol/protocolVersion, and so every server/discover probe from a
// negotiating client) go to the v2 createMcpHandler (stateless); initialize, Mcp-Session-Id
// traffic, GET streams and DELETE go to stateful SDK v1 sessions (legacy-sessions.ts).

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  localhostOriginValidation,
  type NodeIncomingMessageLike,
  toNodeHandler,
  toWebRequest,
} from '@modelcontextprotocol/node';
import { createMcpHandler, isJsonContentType, isLegacyRequest } from '@modelcontextprotocol/server';
import { writeJsonRpcError } from './http-errors.ts';
import { LegacySessions } from './legacy-sessions.ts';
import { createModernServer } from './register-modern.ts';
import { CrmStore } from './store.ts';

export const MCP_PATH = '/mcp';

/** The same bound the v2 SDK applies by default (DEFAULT_MAX_REQUEST_BODY_SIZE, 4 MiB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface CrmServerOptions {
  /** Number of fake customers; default 200. */
  customers?: number;
  /** PRNG seed for the customers. */
  seed?: number;
  /** Errors reported out of band: the v2 handler's (rejected requests too) and any answered 500. Default: ignored. */
  onError?: (error: Error) => void;
}

// Under exactOptionalPropertyTypes IncomingMessage's `method?: string | undefined` does not match
// the adapter's `method?: string`; a server-side IncomingMessage always has both set.
const nodeLike = (req: IncomingMessage): NodeIncomingMessageLike => req as NodeIncomingMessageLike;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class CrmHttpServer extends http.Server {
  readonly store: CrmStore;
  readonly #legacy: LegacySessions;
  readonly #modern: ReturnType<typeof createMcpHandler>;
  readonly #modernNode: ReturnType<typeof toNodeHandler>;
  // Browsers send Origin; other MCP clients do not. Blocks DNS-rebinding pages from driving the demo.
  readonly #validateOrigin = localhostOriginValidation();

  constructor(options: CrmServerOptions = {}) {
    super();
    this.store = new CrmStore({
      ...(options.customers === undefined ? {} : { customers: options.customers }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    this.#legacy = new LegacySessions(this.store);
    const onerror = options.onError ?? (() => {});
    // 'reject': legacy traffic never reaches this handler (routed away below), and if it did it
    // must fail loudly rather than be served statelessly behind the sessions' back.
    this.#modern = createMcpHandler(() => createModernServer(this.store), { legacy: 'reject', onerror });
    this.#modernNode = toNodeHandler(this.#modern, { onerror });
    this.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#route(req, res).catch((error: unknown) => {
        onerror(error instanceof Error ? error : new Error(String(error)));
        writeJsonRpcError(res, 500, -32603, 'Internal error');
      });
    });
  }

  /** Open legacy (SDK v1) sessions; useful to check that DELETE ends one. */
  get legacySessionCount(): number {
    return this.#legacy.size;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== MCP_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (!this.#validateOrigin(req, res)) return;

    let body: unknown;
    if (req.method === 'POST') {
      // Hand-wired era routing must check the media type itself (see isLegacyRequest's contract).
      if (!isJsonContentType(req.headers['content-type'])) {
        return writeJsonRpcError(res, 415, -32000, 'Unsupported Media Type: expected application/json');
      }
      const raw = await readBody(req);
      if (raw === undefined) return writeJsonRpcError(res, 413, -32000, 'Request body too large');
      try {
        body = JSON.parse(raw);
      } catch {
        return writeJsonRpcError(res, 400, -32700, 'Parse error');
      }
    }

    // The body is parsed once here and handed to whichever leg serves the request.
    const probe = await toWebRequest(nodeLike(req), body);
    if (await isLegacyRequest(probe, body)) return this.#legacy.handle(req, res, body);
    return this.#modernNode(nodeLike(req), res, body);
  }

  /** Stops accepting connections, ends every session and stream, then drops remaining sockets. */
  override close(callback?: (error?: Error) => void): this {
    super.close(callback);
    void Promise.allSettled([this.#legacy.closeAll(), this.#modern.close()]).then(() =>
      this.closeAllConnections(),
    );
    return this;
  }
}

export function createCrmHttpServer(options: CrmServerOptions = {}): CrmHttpServer {
  return new CrmHttpServer(options);
}

export interface StartCrmHttpOptions extends CrmServerOptions {
  host?: string;
  port?: number;
}

export interface RunningCrm {
  /** Ends in /mcp. */
  url: string;
  server: CrmHttpServer;
  close(): Promise<void>;
}

export async function startCrmHttp(options: StartCrmHttpOptions = {}): Promise<RunningCrm> {
  const { host = '127.0.0.1', port = 0, ...serverOptions } = options;
  const server = createCrmHttpServer(serverOptions);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}${MCP_PATH}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

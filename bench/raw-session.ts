import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { Pool } from 'undici';

// A bare MCP client session: plain JSON-RPC POSTs over an undici keep-alive pool, carrying the
// session id and protocol version headers (MCP 2025-11-25 streamable-http). It reads both
// `application/json` and `text/event-stream` answers. The floor without SDK client overhead.

export interface BenchSession {
  init(): Promise<void>;
  /** One tools/call; throws on an HTTP, JSON-RPC or tool error. */
  call(): Promise<void>;
  close(): Promise<void>;
}

export interface RawSessionOptions {
  pool: Pool;
  url: URL;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  tool: string;
  args: Readonly<Record<string, unknown>>;
  /** Told the body size of every answer, in bytes (to report what a call moved). */
  onBody?: (bytes: number) => void;
}

interface JsonRpcReply {
  id?: unknown;
  result?: { isError?: boolean; protocolVersion?: string; content?: unknown };
  error?: { code: number; message: string };
}

/** The JSON-RPC messages in the `data:` fields of an SSE body. */
export function parseSseMessages(text: string): JsonRpcReply[] {
  const messages: JsonRpcReply[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n');
    if (data) messages.push(JSON.parse(data) as JsonRpcReply);
  }
  return messages;
}

export function createRawSession(options: RawSessionOptions): BenchSession {
  const { pool, url, timeoutMs } = options;
  const path = url.pathname + url.search;
  let sessionId: string | undefined;
  let protocolVersion = LATEST_PROTOCOL_VERSION;
  let nextId = 0;

  async function post(message: {
    id?: number;
    method: string;
    params?: object;
  }): Promise<JsonRpcReply['result']> {
    const headers: Record<string, string> = {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': protocolVersion,
    };
    if (sessionId) headers['mcp-session-id'] = sessionId;
    const res = await pool.request({
      path,
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    options.onBody?.(Buffer.byteLength(text));
    if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    const sid = res.headers['mcp-session-id'];
    if (typeof sid === 'string') sessionId = sid;
    if (message.id === undefined) return undefined; // a notification: 202, no body
    const contentType = String(res.headers['content-type'] ?? '');
    const replies = contentType.includes('text/event-stream')
      ? parseSseMessages(text)
      : [JSON.parse(text) as JsonRpcReply];
    const reply = replies.find((r) => r.id === message.id);
    if (!reply) throw new Error(`no response for id ${message.id} (${contentType})`);
    if (reply.error) throw new Error(`JSON-RPC error ${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  }

  return {
    async init() {
      const result = await post({
        id: ++nextId,
        method: 'initialize',
        params: {
          protocolVersion,
          capabilities: {},
          clientInfo: { name: 'custos-bench-raw', version: '1.0.0' },
        },
      });
      if (result?.protocolVersion) protocolVersion = result.protocolVersion;
      await post({ method: 'notifications/initialized' });
    },
    async call() {
      const result = await post({
        id: ++nextId,
        method: 'tools/call',
        params: { name: options.tool, arguments: options.args },
      });
      if (result?.isError) throw new Error(`tool error: ${JSON.stringify(result.content).slice(0, 200)}`);
    },
    async close() {
      if (!sessionId) return;
      const headers = {
        ...options.headers,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': protocolVersion,
      };
      await pool.request({ path, method: 'DELETE', headers, signal: AbortSignal.timeout(timeoutMs) }).then(
        (res) => res.body.dump(),
        () => undefined,
      );
    },
  };
}

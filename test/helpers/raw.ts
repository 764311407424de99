import { request } from 'undici';

export const ACCEPT_BOTH = 'application/json, text/event-stream';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One raw HTTP exchange with the gateway, without an SDK in between. */
export async function raw(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer | NodeJS.ReadableStream;
  } = {},
): Promise<RawResponse> {
  const r = await request(url, {
    method: (opts.method ?? 'POST') as 'POST',
    headers: opts.headers ?? {},
    body: (opts.body ?? null) as string | Buffer | null,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await r.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, text, json };
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(url, {
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** initialize + notifications/initialized; returns the gateway's session id. */
export async function openSession(
  url: string,
  protocolVersion = '2025-11-25',
  headers: Record<string, string> = {},
): Promise<string> {
  const r = await post(url, { ...INIT, params: { ...INIT.params, protocolVersion } }, headers);
  const sid = r.headers['mcp-session-id'];
  if (r.status !== 200 || typeof sid !== 'string')
    throw new Error(`initialize failed: ${r.status} ${r.text}`);
  await post(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': protocolVersion },
  );
  return sid;
}

/** The JSON-RPC messages of an answer, whether JSON or SSE. */
export function messagesOf(r: RawResponse): Record<string, unknown>[] {
  const ct = String(r.headers['content-type'] ?? '');
  if (ct.startsWith('text/event-stream')) {
    return r.text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
  }
  return Array.isArray(r.json) ? (r.json as Record<string, unknown>[]) : [r.json as Record<string, unknown>];
}

import type { IncomingMessage } from 'node:http';
import { decodeHeaderValue, isModernVersion, META_PROTOCOL_VERSION } from '../core/era.ts';
import { GatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';
import { classifyMessage, type JsonRpcMessage } from '../core/jsonrpc.ts';
import { FastRequest } from './http1-server.ts';

// The ingress step: what the Streamable HTTP transport itself requires of a request, before
// anyone looks at who sent it. MCP 2025-11-25 and 2026-07-28 basic/transports/streamable-http.

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function acceptsBoth(accept: string | undefined): boolean {
  return accept?.includes('application/json') === true && accept.includes('text/event-stream');
}

function isJsonContentType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/**
 * The Origin check (MCP basic/transports: servers MUST validate Origin; invalid → 403). Browser
 * Origins must be listed in ingress.allowedOrigins; on a loopback gateway, loopback origins (a page
 * on this machine, which DNS rebinding cannot forge) pass too. Non-browser callers send none.
 */
export function compileOriginCheck(
  listenHost: string,
  allowedOrigins: readonly string[],
): (origin: string | undefined) => boolean {
  const listed = new Set(allowedOrigins);
  const loopback = LOOPBACK_NAMES.has(listenHost.toLowerCase());
  return (origin) => {
    if (origin === undefined || listed.has(origin)) return true;
    if (!loopback) return false;
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false;
    }
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_NAMES.has(u.hostname);
  };
}

/** The hostname of a Host header value, lowercased, without its port. */
function hostName(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/**
 * DNS rebinding protection (MCP basic/transports "Security"; GHSA-w48q-cv73-mx4w): a gateway on a
 * loopback address answers only to loopback Host names, unless ingress.allowedHosts says otherwise.
 * Listening on another address without allowedHosts leaves Host unchecked (a proxy in front names it).
 */
export function compileHostCheck(
  listenHost: string,
  allowedHosts: readonly string[],
): (host: string | undefined) => boolean {
  const listed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  if (listed.size > 0)
    return (host) => host !== undefined && (listed.has(host.toLowerCase()) || listed.has(hostName(host)));
  if (LOOPBACK_NAMES.has(listenHost.toLowerCase()))
    return (host) => host !== undefined && LOOPBACK_NAMES.has(hostName(host));
  return () => true;
}

export async function ingress(ex: Exchange): Promise<void> {
  const { req } = ex;
  if (!ex.ctx.allowHost(req.headers.host)) throw new GatewayError('CUSTOS_HOST_FORBIDDEN');
  if (!ex.ctx.allowOrigin(req.headers.origin)) throw new GatewayError('CUSTOS_ORIGIN_FORBIDDEN');
  if (ex.httpMethod === 'GET') {
    if (!req.headers.accept?.includes('text/event-stream')) throw new GatewayError('CUSTOS_NOT_ACCEPTABLE');
    ex.era = 'legacy';
    ex.protocolVersion = headerString(req.headers['mcp-protocol-version']);
    return;
  }
  if (ex.httpMethod === 'DELETE') {
    ex.era = 'legacy';
    ex.protocolVersion = headerString(req.headers['mcp-protocol-version']);
    return;
  }
  if (!acceptsBoth(req.headers.accept)) throw new GatewayError('CUSTOS_NOT_ACCEPTABLE');
  if (!isJsonContentType(req.headers['content-type']))
    throw new GatewayError('CUSTOS_UNSUPPORTED_MEDIA_TYPE');
  const limit = ex.ctx.config.ingress.maxBodyBytes;
  // The gateway's own server has read the body already (within the limit).
  const body = req instanceof FastRequest ? req.body : await readBody(req as IncomingMessage, limit);
  ex.body = body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError('CUSTOS_PARSE_ERROR');
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'empty batch' });
    for (const m of parsed) {
      if (classifyMessage(m) === undefined) throw new GatewayError('CUSTOS_INVALID_REQUEST');
    }
    ex.isBatch = true;
    ex.messages = parsed as JsonRpcMessage[];
  } else {
    if (classifyMessage(parsed) === undefined) throw new GatewayError('CUSTOS_INVALID_REQUEST');
    ex.messages = [parsed as JsonRpcMessage];
  }
  detectEra(ex);
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function detectEra(ex: Exchange): void {
  const h = ex.req.headers;
  const version = headerString(h['mcp-protocol-version']);
  const first = ex.messages[0] as JsonRpcMessage;
  const metaVersion = (first.params?._meta as Record<string, unknown> | undefined)?.[META_PROTOCOL_VERSION];
  if (
    (version !== undefined && isModernVersion(version)) ||
    (version === undefined && typeof metaVersion === 'string' && h['mcp-session-id'] === undefined)
  ) {
    ex.era = 'modern';
    ex.protocolVersion = version ?? (metaVersion as string);
    if (ex.isBatch) throw new GatewayError('CUSTOS_BATCH_NOT_ALLOWED');
    validateModernHeaders(ex, first, version, metaVersion);
    return;
  }
  ex.era = 'legacy';
  ex.protocolVersion = version;
  if (ex.isBatch && ex.messages.some((m) => m.method === 'initialize')) {
    throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'initialize must not be part of a batch' });
  }
}

// MCP 2026-07-28 streamable-http "Server Validation": whoever processes the body MUST reject a
// request whose mirrored headers are missing or differ from it (-32020). The gateway decides on
// the body, so a header can never make the upstream act on something other than what was checked.
function validateModernHeaders(
  ex: Exchange,
  msg: JsonRpcMessage,
  version: string | undefined,
  meta: unknown,
): void {
  const h = ex.req.headers;
  if (version === undefined) {
    throw new GatewayError('CUSTOS_HEADER_MISMATCH', { detail: 'MCP-Protocol-Version header is missing' });
  }
  if (meta !== undefined && meta !== version) {
    throw new GatewayError('CUSTOS_HEADER_MISMATCH', {
      detail: 'MCP-Protocol-Version header does not match _meta protocolVersion',
    });
  }
  if (msg.method === undefined) return;
  const method = headerString(h['mcp-method']);
  if (method === undefined)
    throw new GatewayError('CUSTOS_HEADER_MISMATCH', { detail: 'Mcp-Method header is missing' });
  if (method !== msg.method) {
    throw new GatewayError('CUSTOS_HEADER_MISMATCH', { detail: 'Mcp-Method header does not match the body' });
  }
  if (msg.method === 'tools/call' || msg.method === 'prompts/get' || msg.method === 'resources/read') {
    const raw = headerString(h['mcp-name']);
    const bodyName = msg.method === 'resources/read' ? msg.params?.uri : msg.params?.name;
    if (raw === undefined)
      throw new GatewayError('CUSTOS_HEADER_MISMATCH', { detail: 'Mcp-Name header is missing' });
    if (decodeHeaderValue(raw) !== bodyName) {
      throw new GatewayError('CUSTOS_HEADER_MISMATCH', { detail: 'Mcp-Name header does not match the body' });
    }
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new GatewayError('CUSTOS_BODY_TOO_LARGE', { detail: `limit is ${limit} bytes` }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        cleanup();
        // Stop reading; the answer closes the connection so the rest of the body is dropped.
        req.pause();
        reject(new GatewayError('CUSTOS_BODY_TOO_LARGE', { detail: `limit is ${limit} bytes` }));
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'request body aborted', cause: err }));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError as () => void);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

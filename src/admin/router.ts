import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, toGatewayError } from '../core/errors.ts';
import type { Identity } from '../core/exchange.ts';
import { log } from '../core/log.ts';
import { BodyTooLargeError, mediaType, readBody } from '../identity/read-body.ts';

// The admin API under /admin/v1/ (for the console, the CLI and automation). Every call is
// authenticated exactly like an MCP call — a bearer token verified by the gateway (OIDC, gateway
// tokens), revocation included — because the caller is a real person whose identity decides what
// it may see and do (an approver is never the requester). The API answers JSON; errors are
// `{ "error": { "code", "message", "requestId" } }` with the status of docs/errors.md.
//
// Endpoint groups live in files of their own (approvals-api.ts, pins-api.ts, audit-api.ts) and
// are listed once, in index.ts.

export const ADMIN_PREFIX = '/admin/v1';
const MAX_BODY_BYTES = 16 * 1024;

export interface AdminRequest {
  readonly caller: Identity;
  /** The route pattern's capture groups, URI-decoded. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The JSON body (an object), or {} when there is none. */
  body(): Promise<Record<string, unknown>>;
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST';
  /** Matched against the path after /admin/v1, e.g. /^\/approvals\/([^/]+)$/. */
  readonly path: RegExp;
  /** Returns the JSON answer (200), or throws a GatewayError. */
  handle(req: AdminRequest): unknown;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function send(res: ServerResponse, status: number, requestId: string, value: unknown, extra = {}): void {
  const body = JSON.stringify(value);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-custos-request-id': requestId,
      ...extra,
    })
    .end(body);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let buf: Buffer;
  try {
    buf = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new GatewayError('CUSTOS_BODY_TOO_LARGE');
    throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'request body aborted' });
  }
  if (buf.length === 0) return {};
  if (mediaType(req) !== 'application/json') throw new GatewayError('CUSTOS_UNSUPPORTED_MEDIA_TYPE');
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new GatewayError('CUSTOS_PARSE_ERROR');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'the body must be a JSON object' });
  return v as Record<string, unknown>;
}

/** The handler for every path under /admin/v1/. */
export function createAdminHandler(
  identify: (req: IncomingMessage) => Promise<Identity>,
  routes: readonly AdminRoute[],
): Handler {
  return async (req, res) => {
    const requestId = randomUUID();
    // Logged paths never carry the query: it may hold filters a caller should not see in logs.
    let path = '(unparsed)';
    try {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      path = url.pathname;
      const rest = url.pathname.slice(ADMIN_PREFIX.length);
      const matching = routes.filter((r) => r.path.test(rest));
      if (matching.length === 0) throw new GatewayError('CUSTOS_NOT_FOUND', { detail: url.pathname });
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('allow', [...new Set(matching.map((r) => r.method))].join(', '));
        throw new GatewayError('CUSTOS_METHOD_NOT_ALLOWED');
      }
      // Who asks, before anything is read or done.
      const caller = await identify(req);
      const m = route.path.exec(rest) as RegExpExecArray;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p ?? ''));
      } catch {
        throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: 'bad percent-encoding in the path' });
      }
      const value = await route.handle({
        caller,
        params,
        query: url.searchParams,
        body: () => jsonBody(req),
      });
      send(res, 200, requestId, value);
    } catch (thrown) {
      const err = toGatewayError(thrown);
      if (err.code === 'CUSTOS_INTERNAL') {
        log('error', 'admin request failed', { requestId, path, error: String(thrown) });
      }
      const extra: Record<string, string> = {};
      if (err.challenge !== undefined) extra['www-authenticate'] = err.challenge;
      if (!res.headersSent) {
        send(
          res,
          err.http,
          requestId,
          { error: { ...err.data, code: err.code, message: err.message, requestId } },
          extra,
        );
      } else res.destroy();
    }
  };
}

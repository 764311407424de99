// Every error the gateway answers with has a stable code, an HTTP status and a JSON-RPC code.
// docs/errors.md lists the same table; test/core/errors.test.ts checks that the two agree.
// The client gets the code, a short message and the request id; detail goes to the log only.

export interface ErrorSpec {
  readonly http: number;
  readonly rpc: number;
  readonly message: string;
}

// JSON-RPC 2.0 reserves -32768..-32000; -32099..-32000 is for implementation-defined server
// errors. MCP uses -32000 (legacy SDKs) and -32020..-32022 (2026-07-28), so Custos takes the
// top of that block, -32090 and up, for its own conditions.
export const ERROR_SPECS = {
  CUSTOS_PARSE_ERROR: { http: 400, rpc: -32700, message: 'Parse error: the body is not valid JSON' },
  CUSTOS_INVALID_REQUEST: { http: 400, rpc: -32600, message: 'Invalid request' },
  CUSTOS_BATCH_NOT_ALLOWED: {
    http: 400,
    rpc: -32600,
    message: 'JSON-RPC batches are only allowed in protocol version 2025-03-26',
  },
  CUSTOS_HEADER_MISMATCH: { http: 400, rpc: -32020, message: 'Header mismatch' },
  CUSTOS_NOT_INITIALIZED: { http: 400, rpc: -32000, message: 'Bad Request: Server not initialized' },
  CUSTOS_BODY_TOO_LARGE: { http: 413, rpc: -32600, message: 'Request body too large' },
  CUSTOS_UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    rpc: -32600,
    message: 'Unsupported Media Type: Content-Type must be application/json',
  },
  CUSTOS_NOT_ACCEPTABLE: {
    http: 406,
    rpc: -32600,
    message: 'Not Acceptable: Accept must list application/json and text/event-stream',
  },
  CUSTOS_HOST_FORBIDDEN: { http: 403, rpc: -32600, message: 'Forbidden: Host not allowed' },
  CUSTOS_ORIGIN_FORBIDDEN: { http: 403, rpc: -32600, message: 'Forbidden: Origin not allowed' },
  CUSTOS_METHOD_NOT_ALLOWED: { http: 405, rpc: -32600, message: 'Method Not Allowed' },
  CUSTOS_ROUTE_NOT_FOUND: { http: 404, rpc: -32600, message: 'Not Found: no MCP server at this path' },
  CUSTOS_SESSION_NOT_FOUND: { http: 404, rpc: -32001, message: 'Session not found' },
  CUSTOS_STREAM_CONFLICT: { http: 409, rpc: -32600, message: 'Conflict: only one GET stream per session' },
  CUSTOS_SESSION_LIMIT: { http: 503, rpc: -32093, message: 'Too many sessions on this gateway' },
  CUSTOS_CALLER_SESSION_LIMIT: { http: 429, rpc: -32093, message: 'Too many sessions for this caller' },
  CUSTOS_CONCURRENCY_LIMIT: { http: 429, rpc: -32093, message: 'Too many concurrent requests' },
  CUSTOS_STDIO_LIMIT: { http: 503, rpc: -32093, message: 'Too many upstream processes' },
  CUSTOS_UPSTREAM_UNAVAILABLE: { http: 502, rpc: -32090, message: 'Upstream MCP server unavailable' },
  CUSTOS_UPSTREAM_TIMEOUT: { http: 504, rpc: -32091, message: 'Upstream MCP server timed out' },
  CUSTOS_UPSTREAM_EXITED: { http: 502, rpc: -32092, message: 'Upstream MCP server process exited' },
  CUSTOS_UPSTREAM_CREDENTIAL: { http: 502, rpc: -32096, message: 'Upstream credential unavailable' },
  CUSTOS_UNMASKABLE: {
    http: 502,
    rpc: -32095,
    message: 'Upstream answer could not be inspected for personal data',
  },
  CUSTOS_SHUTTING_DOWN: { http: 503, rpc: -32094, message: 'Gateway is shutting down' },
  CUSTOS_UNAUTHENTICATED: {
    http: 401,
    rpc: -32097,
    message: 'Unauthorized: a valid bearer token is required',
  },
  CUSTOS_INSUFFICIENT_SCOPE: {
    http: 403,
    rpc: -32098,
    message: 'Forbidden: the token lacks a required scope',
  },
  CUSTOS_REVOKED: { http: 401, rpc: -32099, message: 'Unauthorized: this identity has been revoked' },
  CUSTOS_POLICY_DENIED: { http: 200, rpc: -32081, message: 'Denied by policy' },
  CUSTOS_APPROVAL_REQUIRED: { http: 200, rpc: -32082, message: 'Approval required' },
  CUSTOS_RATE_LIMITED: { http: 429, rpc: -32083, message: 'Rate limit reached' },
  CUSTOS_APPROVAL_DENIED: { http: 200, rpc: -32084, message: 'Approval denied' },
  CUSTOS_APPROVAL_EXPIRED: { http: 200, rpc: -32085, message: 'Approval not given in time' },
  CUSTOS_TOOL_CHANGED: {
    http: 200,
    rpc: -32086,
    message: 'Tool changed upstream: an administrator must accept the new version',
  },
  // MCP tasks extension (io.modelcontextprotocol/tasks): an unknown taskId is -32602.
  CUSTOS_TASK_NOT_FOUND: { http: 200, rpc: -32602, message: 'Failed to retrieve task: Task not found' },
  // The admin API (/admin/v1/…) answers plain JSON, never JSON-RPC; -32600 is only a placeholder.
  CUSTOS_NOT_FOUND: { http: 404, rpc: -32600, message: 'Not found' },
  CUSTOS_FORBIDDEN: { http: 403, rpc: -32600, message: 'Forbidden' },
  CUSTOS_SELF_APPROVAL: {
    http: 403,
    rpc: -32600,
    message: 'Forbidden: a requester cannot decide their own request',
  },
  CUSTOS_APPROVAL_DECIDED: { http: 409, rpc: -32600, message: 'Conflict: the request is no longer pending' },
  CUSTOS_AUDIT_UNAVAILABLE: {
    http: 503,
    rpc: -32087,
    message: 'Service unavailable: the exchange cannot be recorded in the audit trail',
  },
  CUSTOS_INTERNAL: { http: 500, rpc: -32603, message: 'Internal gateway error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_SPECS;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly http: number;
  readonly rpc: number;
  /** Seconds, for 429/503 answers. */
  readonly retryAfter: number | undefined;
  /** Safe to show the client: names a server or a limit, never a secret or a payload. */
  readonly detail: string | undefined;
  /** The WWW-Authenticate challenge for 401/403 answers (RFC 6750 §3, RFC 9728 §5.1). */
  readonly challenge: string | undefined;
  /** Safe identifiers for the client's error `data` (an approval id), beside code and request id. */
  readonly data: Readonly<Record<string, string | number>> | undefined;

  constructor(
    code: ErrorCode,
    opts: {
      detail?: string;
      retryAfter?: number;
      challenge?: string;
      cause?: unknown;
      data?: Readonly<Record<string, string | number>>;
    } = {},
  ) {
    const spec: ErrorSpec = ERROR_SPECS[code];
    super(opts.detail ? `${spec.message}: ${opts.detail}` : spec.message, { cause: opts.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.http = spec.http;
    this.rpc = spec.rpc;
    this.retryAfter = opts.retryAfter;
    this.detail = opts.detail;
    this.challenge = opts.challenge;
    this.data = opts.data;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Wraps anything thrown into a GatewayError without leaking its message to the client. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('CUSTOS_INTERNAL', { cause: err });
}

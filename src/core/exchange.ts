import type { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { GatewayApprovals } from '../approval/types.ts';
import type { AuditSink } from '../audit/sink.ts';
import type { Config } from '../config/index.ts';
import type { ServerCredential } from '../credentials/step.ts';
import type { Identity } from '../identity/types.ts';
import type { GatewayMasking } from '../masking/step.ts';
import type { FoundInAnswer } from '../masking/types.ts';
import type { GatewayPins } from '../policy/pins.ts';
import type { GatewayPolicy } from '../policy/step.ts';
import type { ApprovalSpec } from '../policy/types.ts';
import type { Session, SessionTable } from '../session/index.ts';
import type { Era, Outcome, Store } from '../store/index.ts';
import type { GatewayError } from './errors.ts';
import type { JsonRpcMessage } from './jsonrpc.ts';

export type { Identity };

/** What a route forwards to; implemented by transport/upstream-http and transport/upstream-stdio. */
export interface Upstream {
  readonly name: string;
  readonly kind: 'http' | 'stdio';
  /** Forwards the exchange and writes the whole answer to ex.res. */
  forward(ex: Exchange): Promise<void>;
  /** Ends an upstream session (DELETE, idle timeout, shutdown). */
  endSession(session: Session): Promise<void>;
  close(): Promise<void>;
}

/** Everything the steps share; built once at boot. */
export interface GatewayContext {
  readonly config: Readonly<Config>;
  readonly store: Store;
  readonly sessions: SessionTable;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  /** Streams that carry no request that could finish (GET, subscriptions/listen): ended at drain. */
  readonly longLived: Set<{ end(): void }>;
  /** The authenticate step for the configured auth.mode, built at boot. */
  authenticate: (ex: Exchange) => void | Promise<void>;
  /** Masking profiles and which servers use them, compiled at boot (undefined: no masking). */
  readonly masking: GatewayMasking | undefined;
  /** The compiled policy (reloaded on change) and its rate limiter; undefined: no policy. */
  readonly policy: GatewayPolicy | undefined;
  /** Approval requests, grants and held calls (built with the policy); undefined: no policy. */
  readonly approvals: GatewayApprovals | undefined;
  /** Tool pins per server (fingerprints, x-mcp-header maps), kept current from the store. */
  readonly pins: GatewayPins | undefined;
  /** Upstream credentials by server name, built at boot. */
  readonly credentials: ReadonlyMap<string, ServerCredential>;
  /** The audit trail's writer: every exchange's event is durable before its answer is released. */
  readonly audit: AuditSink;
  /** The Host header check, compiled from the config at boot. */
  readonly allowHost: (host: string | undefined) => boolean;
  readonly allowOrigin: (origin: string | undefined) => boolean;
  draining: boolean;
}

/**
 * What the authorize step hands the approve step when an `approve` rule decided: plain data
 * (STYLE.md §3), so neither step imports the other.
 */
export interface ApprovalNeed {
  readonly spec: ApprovalSpec;
  /** The rule's human reason (its description). */
  readonly reason: string;
  readonly method: string;
  /** The tool or prompt name, or the resource URI. */
  readonly name: string | undefined;
  /** What the digest is over: the tool/prompt arguments, or `{ uri }` for resources/read. */
  readonly args: unknown;
}

/**
 * The request as the steps see it: node:http's IncomingMessage, or the gateway's own server's
 * FastRequest (src/transport/http1-server.ts), whose body is already read.
 */
export interface IngressRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly socket: { readonly remoteAddress?: string | undefined };
}

type Done = (err?: Error | null) => void;

/** What the steps and transports use of a response: node:http's ServerResponse, or FastResponse. */
export interface IngressResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  setHeader(name: string, value: OutgoingHttpHeader): this;
  writeHead(status: number, headers?: OutgoingHttpHeaders): this;
  flushHeaders(): void;
  write(chunk: string | Uint8Array, cb?: Done): boolean;
  end(cb?: () => void): this;
  end(chunk: string | Uint8Array, cb?: () => void): this;
  destroy(error?: Error): this;
  once(event: 'close' | 'drain' | 'finish', listener: () => void): this;
  off(event: 'close' | 'drain' | 'finish', listener: () => void): this;
}

/** One exchange: an HTTP request carrying JSON-RPC message(s) and everything sent back for it. */
export interface Exchange {
  readonly id: string;
  readonly ctx: GatewayContext;
  readonly req: IngressRequest;
  readonly res: IngressResponse;
  readonly receivedAt: number; // ms since epoch
  readonly startedNs: bigint;
  readonly upstream: Upstream;
  readonly httpMethod: 'POST' | 'GET' | 'DELETE';
  era: Era;
  protocolVersion: string | undefined;
  body: Buffer | undefined;
  messages: JsonRpcMessage[];
  isBatch: boolean;
  identity: Identity | undefined;
  /** The caller's bearer token: for token exchange only; never forwarded, logged or recorded. */
  token: string | undefined;
  /** Set by the credential step: what the upstream call carries (HTTP headers, stdio environment). */
  upstreamHeaders: Record<string, string> | undefined;
  upstreamEnv: Record<string, string> | undefined;
  /**
   * Set by a step that must see every message going back to the client (masking): the transports
   * apply it to each one — whole JSON answers, each SSE event as it passes, stdio messages.
   */
  outbound: ((msg: JsonRpcMessage) => JsonRpcMessage) | undefined;
  /** What the mask step found in the answer (counts per type, keyed hashes — never values). */
  found: FoundInAnswer | undefined;
  findingCount: number;
  /** The caller is in an exempt group (e.g. dpo) and saw raw values; recorded as such. */
  maskingExempt: boolean;
  /** The masking profile the mask step applied (its name), for the recording's masking. */
  maskingProfile: string | undefined;
  /** The upstream's messages before any outbound transform, when the server keeps raw copies. */
  rawMessages: JsonRpcMessage[] | undefined;
  /** When the request left for the upstream (the audit step, right before forward). */
  forwardedNs: bigint | undefined;
  /** The policy rule that decided and its effect (undefined: no policy configured). */
  policyRule: string | undefined;
  policyEffect: string | undefined;
  /** Set by authorize when an `approve` rule decided; the approve step holds the call until granted. */
  approvalNeed: ApprovalNeed | undefined;
  /** The approval request that holds or let through this call (recorded with the exchange). */
  approvalId: string | undefined;
  /** Set by the upstream while it works on the exchange: ends it now with this error (revocation). */
  cancel: ((err: GatewayError) => void) | undefined;
  session: Session | undefined;
  /** Set once the upstream answered (first byte of its response). */
  upstreamNs: bigint | undefined;
  bytesOut: number;
  /** The answer under way is an SSE stream (so a late error is one more event, not a dropped connection). */
  streaming: boolean;
  outcome: Outcome;
  errorCode: string | null;
}

/** The first message's method, or what the HTTP request does when it carries none. */
/** Whether the answer to this exchange is a stream with no end of its own. */
export function isLongLived(ex: Exchange): boolean {
  return ex.httpMethod === 'GET' || ex.messages[0]?.method === 'subscriptions/listen';
}

export function exchangeMethod(ex: Exchange): string {
  const m = ex.messages[0];
  if (m?.method) return m.method;
  if (m) return 'response';
  if (ex.httpMethod === 'GET') return 'stream';
  if (ex.httpMethod === 'DELETE') return 'session/delete';
  return 'unknown';
}

/**
 * Adds a transform of outgoing messages after those already installed: each step that must see
 * the answer (list filtering, masking) chains onto the others instead of replacing them.
 */
export function addOutbound(ex: Exchange, fn: (msg: JsonRpcMessage) => JsonRpcMessage): void {
  const prev = ex.outbound;
  ex.outbound = prev ? (msg) => fn(prev(msg)) : fn;
}

import { randomUUID } from 'node:crypto';
import { GatewayError } from '../core/errors.ts';
import type { Identity } from '../identity/types.ts';

// Legacy-era sessions (2025-03-26 … 2025-11-25 Streamable HTTP): the gateway mints its own
// Mcp-Session-Id and maps it to the upstream's, so a client never learns or guesses the
// upstream id, and the session is bound to the caller that opened it.

export interface SessionLimits {
  sessions: number;
  sessionsPerCaller: number;
  requestsPerSession: number;
  idleSessionSeconds: number;
}

export interface Session {
  readonly id: string;
  readonly server: string;
  /** The subject that opened it; another caller presenting this id gets 404. */
  readonly caller: string;
  /** The latest verified identity of that subject (a refreshed token replaces it), for revocation. */
  identity: Identity | undefined;
  readonly createdAt: number;
  lastSeen: number;
  protocolVersion: string | undefined;
  /** The client's `clientInfo` from initialize (for the audit trail). */
  client: { name: string | null; version: string | null } | undefined;
  /** The upstream's Mcp-Session-Id (HTTP upstreams that hand one out). */
  upstreamSessionId: string | undefined;
  inflight: number;
  /** Open streams to the client (GET stream, SSE answers): closed when the session ends. */
  readonly streams: Set<{ end(): void }>;
  /** Set by the upstream that owns the session (stdio: the child process). */
  onClose: (() => void) | undefined;
  closed: boolean;
}

export class SessionTable {
  readonly #limits: SessionLimits;
  readonly #byId = new Map<string, Session>();
  readonly #perCaller = new Map<string, number>();
  /** Sessionless (2026-07-28) requests in flight per caller. */
  readonly #callerInflight = new Map<string, number>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(limits: SessionLimits) {
    this.#limits = limits;
    const every = Math.min(30_000, Math.max(250, (limits.idleSessionSeconds * 1000) / 4));
    this.#sweeper = setInterval(() => this.sweepIdle(Date.now()), every);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Opens a session for `caller`, or throws 503/429 when a limit is reached. */
  open(server: string, identity: Identity, protocolVersion: string | undefined): Session {
    const caller = identity.subject;
    if (this.#byId.size >= this.#limits.sessions) {
      throw new GatewayError('CUSTOS_SESSION_LIMIT', { retryAfter: 30 });
    }
    const mine = this.#perCaller.get(caller) ?? 0;
    if (mine >= this.#limits.sessionsPerCaller) {
      throw new GatewayError('CUSTOS_CALLER_SESSION_LIMIT', { retryAfter: 30 });
    }
    const now = Date.now();
    const session: Session = {
      id: randomUUID(),
      server,
      caller,
      identity,
      createdAt: now,
      lastSeen: now,
      protocolVersion,
      client: undefined,
      upstreamSessionId: undefined,
      inflight: 0,
      streams: new Set(),
      onClose: undefined,
      closed: false,
    };
    this.#byId.set(session.id, session);
    this.#perCaller.set(caller, mine + 1);
    return session;
  }

  /** The session with this id for this identity and server; 404 otherwise, whoever owns it. */
  find(id: string, server: string, identity: Identity): Session {
    const s = this.#byId.get(id);
    // The same answer for "unknown" and "someone else's": no oracle for valid session ids.
    if (!s || s.closed || s.server !== server || s.caller !== identity.subject) {
      throw new GatewayError('CUSTOS_SESSION_NOT_FOUND');
    }
    s.identity = identity;
    s.lastSeen = Date.now();
    return s;
  }

  /** A session by id whoever owns it: for administration and tests, never for a caller's request. */
  get(id: string): Session | undefined {
    const s = this.#byId.get(id);
    return s && !s.closed ? s : undefined;
  }

  /** Every open session (for revocation sweeps; not for the request path). */
  all(): IterableIterator<Session> {
    return this.#byId.values();
  }

  /** Counts a request in flight on the session; throws 429 over the limit. */
  enter(s: Session): void {
    if (s.inflight >= this.#limits.requestsPerSession) {
      throw new GatewayError('CUSTOS_CONCURRENCY_LIMIT', { retryAfter: 1 });
    }
    s.inflight++;
  }

  leave(s: Session): void {
    s.inflight--;
    s.lastSeen = Date.now();
  }

  /** The sessionless twin of enter(): the concurrency limit per caller. */
  enterCaller(caller: string): void {
    const n = this.#callerInflight.get(caller) ?? 0;
    if (n >= this.#limits.requestsPerSession) {
      throw new GatewayError('CUSTOS_CONCURRENCY_LIMIT', { retryAfter: 1 });
    }
    this.#callerInflight.set(caller, n + 1);
  }

  leaveCaller(caller: string): void {
    const n = (this.#callerInflight.get(caller) ?? 1) - 1;
    if (n <= 0) this.#callerInflight.delete(caller);
    else this.#callerInflight.set(caller, n);
  }

  close(s: Session): void {
    if (s.closed) return;
    s.closed = true;
    this.#byId.delete(s.id);
    const n = (this.#perCaller.get(s.caller) ?? 1) - 1;
    if (n <= 0) this.#perCaller.delete(s.caller);
    else this.#perCaller.set(s.caller, n);
    for (const stream of s.streams) stream.end();
    s.streams.clear();
    s.onClose?.();
  }

  sweepIdle(now: number): number {
    const cutoff = now - this.#limits.idleSessionSeconds * 1000;
    let closed = 0;
    for (const s of this.#byId.values()) {
      if (s.lastSeen < cutoff && s.inflight === 0 && s.streams.size === 0) {
        this.close(s);
        closed++;
      }
    }
    return closed;
  }

  closeAll(): void {
    for (const s of [...this.#byId.values()]) this.close(s);
    clearInterval(this.#sweeper);
  }
}

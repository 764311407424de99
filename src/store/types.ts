import type Database from 'better-sqlite3';
import type { AuditSql } from './audit-sql.ts';

// The store is one interface; only src/store speaks SQL. SQLite is the embedded default; the
// audit issue adds PostgreSQL behind the same interface and the hash chain on top.

export type Era = 'legacy' | 'modern';
export type Outcome = 'ok' | 'error' | 'rejected';

/** One exchange: a JSON-RPC message from the client and everything sent back for it. */
export interface ExchangeRecord {
  id: string;
  receivedAt: number; // ms since epoch
  server: string;
  era: Era;
  protocolVersion: string | null;
  sessionId: string | null;
  caller: string;
  method: string;
  name: string | null;
  httpStatus: number;
  outcome: Outcome;
  /** A CUSTOS_* code for gateway errors, or the JSON-RPC error code the upstream answered. */
  errorCode: string | null;
  durationUs: number;
  upstreamUs: number | null;
  bytesIn: number;
  bytesOut: number;
  /** Entity type → count found in the answer, as JSON (`{"EMAIL":2}`); null when not inspected. */
  findings: string | null;
  /** 'masked', 'exempt' (the caller saw raw values) or null (masking does not apply). */
  masking: 'masked' | 'exempt' | null;
  /** The policy rule that decided (`default-deny`, `protocol`, `hidden`, a rule id) and its effect. */
  policyRule: string | null;
  policyEffect: string | null;
}

export interface ExchangeQuery {
  server?: string;
  method?: string;
  sessionId?: string;
  limit?: number;
}

/** A token the gateway issued: what it grants and until when. Never the token string itself. */
export interface IssuedToken {
  jti: string;
  subject: string;
  groups: string[];
  scopes: string[];
  issuedAt: number; // ms since epoch
  expiresAt: number;
  revokedAt: number | null;
  description: string | null;
}

export interface IssuedTokenQuery {
  subject?: string;
  limit?: number;
}

export type RevocationKind = 'token' | 'subject' | 'user';

/**
 * One entry of the append-only revocation log. `lift` undoes an earlier revoke of the same
 * target (a SCIM user reactivated); readers replay the log in `seq` order.
 */
export interface RevocationRecord {
  seq: number;
  kind: RevocationKind;
  /** A token id, a full subject (`custos:ci-nightly`) or a lower-cased SCIM userName. */
  value: string;
  at: number; // ms since epoch
  reason: string | null;
  action: 'revoke' | 'lift';
}

export type NewRevocation = Omit<RevocationRecord, 'seq' | 'reason' | 'action'> & {
  reason?: string | null;
  action?: 'revoke' | 'lift';
};

/** The few SCIM User attributes Custos keeps (RFC 7643 §4.1); everything else an IdP sends is dropped. */
export interface ScimUser {
  id: string;
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ScimUserQuery {
  /** Compared case-insensitively (userName is caseExact: false, RFC 7643 §4.1.1). */
  userName?: string;
  externalId?: string;
  /** 1-based, as SCIM counts (RFC 7644 §3.4.2.4). */
  startIndex?: number;
  count?: number;
}

/**
 * Identity state: rare admin writes that another process (the CLI beside a running gateway)
 * must see at once, so each is committed synchronously on the main-thread connection.
 */
export interface IdentityStore {
  recordIssuedToken(token: IssuedToken): void;
  listIssuedTokens(query?: IssuedTokenQuery): IssuedToken[];
  getIssuedToken(jti: string): IssuedToken | undefined;
  /** Appends to the log; a token revoke also stamps the token's revokedAt, in the same transaction. */
  addRevocation(revocation: NewRevocation): RevocationRecord;
  /** The log after `seq`, in order (0: all of it). */
  revocationsSince(seq: number): RevocationRecord[];
  /** Whether the latest log entry for this user (lower-cased userName) is a revoke. */
  isUserRevoked(user: string): boolean;
  /** false when the userName is taken. `event` is committed in the same transaction. */
  createScimUser(user: ScimUser, event?: NewRevocation): boolean;
  getScimUser(id: string): ScimUser | undefined;
  findScimUsers(query?: ScimUserQuery): { total: number; users: ScimUser[] };
  /** Replaces the stored user with the same id. */
  updateScimUser(user: ScimUser, event?: NewRevocation): 'ok' | 'not-found' | 'conflict';
  deleteScimUser(id: string, event?: NewRevocation): boolean;
  /** userNames of users with active = false. */
  listInactiveScimUsers(): string[];
}

export interface Store extends IdentityStore {
  /** The SQLite file (':memory:' for tests). */
  readonly path: string;
  /** The main-thread connection: the in-process audit writer of a ':memory:' store uses it. */
  readonly db: Database.Database;
  /** The audit chain's reads (and, in-process, its writes). */
  readonly audit: AuditSql;
  /** Exchange events, as the records they were before the chain (tests, `custos audit search`). */
  listExchanges(query?: ExchangeQuery): ExchangeRecord[];
  countExchanges(): number;
  close(): Promise<void>;
}

import type Database from 'better-sqlite3';
import type { AuditSql } from './audit-sql.ts';

// The store is one interface; only src/store speaks SQL. SQLite is the embedded default.

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
  /** The approval request that held (or let through) this call, when an `approve` rule decided. */
  approvalId: string | null;
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

export type ApprovalStatus = 'pending' | 'granted' | 'denied' | 'expired' | 'used' | 'withdrawn';

/** What identifies "the same call" for grants: who, where, which tool, which exact arguments. */
export interface ApprovalKey {
  requester: string;
  server: string;
  method: string;
  name: string | null;
  /** SHA-256 (hex) of the canonical JSON of the arguments. */
  argsDigest: string;
}

/** One approval request: never raw arguments, only their digest and a masked preview. */
export interface ApprovalRecord extends ApprovalKey {
  id: string;
  status: ApprovalStatus;
  requesterUser: string | null;
  /** The masked arguments, as JSON text. */
  preview: string;
  /** The requester's justification, masked; null when the rule asks for none or none was given. */
  justification: string | null;
  rule: string;
  /** The rule's description (the human reason). */
  reason: string | null;
  /** Groups whose members may decide. */
  approvers: string[];
  quorum: number;
  /** A grant covers the same call for this long; null: one call. */
  grantForSeconds: number | null;
  createdAt: number; // ms since epoch
  /** A pending request expires at this time. */
  expiresAt: number;
  decidedAt: number | null;
  /** Until when a grant may be used. */
  usableUntil: number | null;
  uses: number;
  /** The MCP tasks-extension task that stands for the held call (2026-07-28), if any. */
  taskId: string | null;
  /** The gateway request id of the exchange that asked. */
  requestId: string | null;
}

export type NewApproval = Omit<ApprovalRecord, 'status' | 'decidedAt' | 'usableUntil' | 'uses'>;

export interface ApprovalVote {
  approvalId: string;
  approver: string;
  approverUser: string | null;
  vote: 'grant' | 'deny';
  reason: string | null;
  at: number;
}

export type ApprovalEventKind =
  | 'requested'
  | 'voted'
  | 'granted'
  | 'denied'
  | 'expired'
  | 'used'
  | 'withdrawn';

/** One entry of the append-only approval lifecycle log (the audit trail chains these). */
export interface ApprovalEvent {
  seq: number;
  approvalId: string;
  kind: ApprovalEventKind;
  at: number;
  /** The subject that caused it (requester, approver), or null for the clock (expiry). */
  actor: string | null;
  /** Small JSON object: the vote, the reason, the request id — never argument values. */
  detail: string | null;
}

export type NewApprovalEvent = Omit<ApprovalEvent, 'seq'>;

export type VoteResult =
  | { outcome: 'recorded' | 'granted' | 'denied'; approval: ApprovalRecord }
  | { outcome: 'not-found' | 'not-pending' | 'duplicate' };

export interface ApprovalQuery {
  status?: ApprovalStatus;
  requester?: string;
  limit?: number;
}

/**
 * Approval state: written synchronously on the main-thread connection (like identity writes), so
 * the CLI, the admin API and every replica see a decision at once. Every state change appends an
 * approval event in the same transaction, through appendApprovalEvent only.
 */
export interface ApprovalStore {
  /** Inserts a pending request and its `requested` event. */
  createApproval(approval: NewApproval): ApprovalRecord;
  getApproval(id: string): ApprovalRecord | undefined;
  getApprovalByTask(taskId: string): ApprovalRecord | undefined;
  setApprovalTask(id: string, taskId: string): void;
  /** A pending request for the same call, not yet past its deadline. */
  findPendingApproval(key: ApprovalKey, now: number): ApprovalRecord | undefined;
  /** A grant for the same call that may be used now (window open; a one-call grant not yet used). */
  findUsableGrant(key: ApprovalKey, now: number): ApprovalRecord | undefined;
  /** A one-call grant already used, still inside its window (MRTR continuations of that call). */
  findUsedGrant(key: ApprovalKey, now: number): ApprovalRecord | undefined;
  /** Counts one use (a one-call grant becomes `used`); false when it can no longer be used. */
  useGrant(id: string, now: number, actor: string, detail?: Record<string, unknown>): boolean;
  /** Records one approver's vote and, atomically, the decision it completes. */
  voteApproval(
    vote: ApprovalVote,
    quorum: number,
    grantForSeconds: number | null,
    useWithinSeconds: number,
  ): VoteResult;
  /** A pending request past its deadline becomes `expired`; false when it was not pending. */
  expireApproval(id: string, now: number): boolean;
  /** The requester withdrew a pending request (tasks/cancel); false when it was not pending. */
  withdrawApproval(id: string, now: number, actor: string): boolean;
  listApprovals(query?: ApprovalQuery): ApprovalRecord[];
  listApprovalVotes(id: string): ApprovalVote[];
  /** The lifecycle log after `seq`, in order (0: all of it). */
  approvalEventsSince(seq: number, limit?: number): ApprovalEvent[];
  /** The newest event's seq (0 when there is none): where a new reader starts polling. */
  lastApprovalEventSeq(): number;
  /** The one way an approval event is written (the audit trail redirects this call). */
  appendApprovalEvent(event: NewApprovalEvent): ApprovalEvent;
}

export type PinStatus = 'pinned' | 'changed';

/** The fingerprint Custos holds for one upstream tool (tool pinning, docs/policy.md). */
export interface ToolPin {
  server: string;
  tool: string;
  /** The accepted fingerprint (`sha256:…`). */
  pinned: string;
  /** The fingerprint the upstream showed last. */
  seen: string;
  status: PinStatus;
  /** x-mcp-header name (lower-cased) → property path and type, from the last inputSchema seen; JSON. */
  headers: string | null;
  firstSeenAt: number;
  changedAt: number | null;
  acceptedAt: number | null;
  acceptedBy: string | null;
  /** Increases with every write, across tools: replicas poll for rows past the last one they saw. */
  rev: number;
}

export interface PinStore {
  listToolPins(server?: string): ToolPin[];
  /** Rows written after `rev`. */
  toolPinsSince(rev: number): ToolPin[];
  /** Records what the upstream shows: a new tool is pinned; a different fingerprint marks it changed. */
  observeToolPin(pin: {
    server: string;
    tool: string;
    fingerprint: string;
    headers: string | null;
    at: number;
  }): ToolPin;
  /** Accepts the last seen version (`seen` becomes `pinned`); undefined when there is no such pin. */
  acceptToolPin(server: string, tool: string, by: string, at: number): ToolPin | undefined;
}

export interface Store extends IdentityStore, ApprovalStore, PinStore {
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

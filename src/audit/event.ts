// The audit event: one per exchange, and one per decision taken outside an exchange (an approval
// granted, a subject erased, a raw recording viewed, payloads retired). Its body is built here as
// JSON text in a fixed key order and stored exactly as hashed, so verifying never re-serialises.
//
// What a body never holds: payloads (only their SHA-256), a data subject's identifier or its keyed
// hash (those live in the deletable blind index), tokens or secrets.

import type { AuditEventRow } from '../store/audit-sql.ts';

export const EVENT_VERSION = 1;

/** The columns of an event's row that search uses. */
export type EventColumns = Omit<AuditEventRow, 'seq' | 'body' | 'leafHash' | 'chainHash'>;

export type AuditKind = 'exchange' | 'approval' | 'erasure' | 'access' | 'retention';

/** Who called, as verified by the authenticate step. Never the token. */
export interface IdentityFacts {
  subject: string;
  method: string;
  issuer: string;
  user: string | null;
  groups: readonly string[];
  tokenId: string | null;
}

export interface ClientFacts {
  name: string | null;
  version: string | null;
  userAgent: string | null;
}

/** Everything the gateway knows about an exchange when its answer is complete. */
export interface ExchangeFacts {
  kind: 'exchange';
  id: string;
  /** ms since epoch: received, forwarded to the upstream, first byte back, answer complete. */
  receivedAt: number;
  forwardedAt: number | null;
  answeredAt: number | null;
  endedAt: number;
  server: string;
  era: 'legacy' | 'modern';
  protocolVersion: string | null;
  sessionId: string | null;
  caller: string;
  identity: IdentityFacts | null;
  client: ClientFacts | null;
  method: string;
  name: string | null;
  /** Every message of a 2025-03-26 batch (a single message: absent). */
  calls: { method: string; name: string | null }[] | null;
  httpStatus: number;
  outcome: 'ok' | 'error' | 'rejected';
  errorCode: string | null;
  durationUs: number;
  upstreamUs: number | null;
  bytesIn: number;
  bytesOut: number;
  /** Entity type → count found in the answer by the mask step; null when it did not run. */
  findings: Readonly<Record<string, number>> | null;
  masking: 'masked' | 'exempt' | null;
  policyRule: string | null;
  policyEffect: string | null;
  approvalId: string | null;
}

/** A decision or action outside an exchange. `details` holds no personal data. */
export interface ActionFacts {
  kind: Exclude<AuditKind, 'exchange'>;
  id: string;
  at: number;
  /** Who did it: a verified subject, or `local:<user>` for a CLI run on the gateway's host. */
  actor: string;
  server: string | null;
  /** What it is about: an approval id, an exchange id, an erasure id. */
  target: string | null;
  action: string;
  reason: string | null;
  details: Readonly<Record<string, unknown>>;
}

export type EventFacts = ExchangeFacts | ActionFacts;

/** What the writer adds: where the recording went and how many data subjects it touched. */
export interface PayloadFacts {
  masked: { sha256: string; bytes: number } | null;
  raw: { sha256: string; bytes: number } | null;
  truncated: boolean;
  /** Distinct data subjects (identifiers) the exchange touched. */
  subjects: number;
  /** Entity type → count of personal data found in the request and the answer. */
  types: Readonly<Record<string, number>>;
}

/** The body text for an event at `seq`: fixed key order, no whitespace. */
export function eventBody(seq: number, facts: EventFacts, payload: PayloadFacts | null): string {
  // One object, stringified once: the text is the chain's, byte for byte (v, seq, kind first).
  if (facts.kind === 'exchange') {
    const f = facts;
    return JSON.stringify({
      v: EVENT_VERSION,
      seq,
      kind: f.kind,
      id: f.id,
      at: f.receivedAt,
      forwardedAt: f.forwardedAt,
      answeredAt: f.answeredAt,
      endedAt: f.endedAt,
      server: f.server,
      era: f.era,
      protocolVersion: f.protocolVersion,
      sessionId: f.sessionId,
      caller: f.caller,
      identity: f.identity,
      client: f.client,
      method: f.method,
      name: f.name,
      calls: f.calls,
      httpStatus: f.httpStatus,
      outcome: f.outcome,
      errorCode: f.errorCode,
      durationUs: f.durationUs,
      upstreamUs: f.upstreamUs,
      bytesIn: f.bytesIn,
      bytesOut: f.bytesOut,
      findings: f.findings,
      masking: f.masking,
      policyRule: f.policyRule,
      policyEffect: f.policyEffect,
      approvalId: f.approvalId,
      recording: payload,
    });
  }
  const a = facts;
  return JSON.stringify({
    v: EVENT_VERSION,
    seq,
    kind: a.kind,
    id: a.id,
    at: a.at,
    actor: a.actor,
    server: a.server,
    target: a.target,
    action: a.action,
    reason: a.reason,
    details: a.details,
  });
}

/** The columns search uses, derived from the facts; verify checks they agree with the body. */
export function eventColumns(facts: EventFacts): EventColumns {
  if (facts.kind === 'exchange') {
    return {
      id: facts.id,
      kind: facts.kind,
      at: facts.receivedAt,
      server: facts.server,
      caller: facts.caller,
      method: facts.method,
      name: facts.name,
      sessionId: facts.sessionId,
      outcome: facts.outcome,
    };
  }
  return {
    id: facts.id,
    kind: facts.kind,
    at: facts.at,
    server: facts.server,
    caller: facts.actor,
    method: facts.action,
    name: facts.target,
    sessionId: null,
    outcome: null,
  };
}

/** The same columns read back from a stored body (for verify and for old readers). */
export function columnsOfBody(body: Record<string, unknown>): EventColumns {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  if (body.kind === 'exchange') {
    return {
      id: String(body.id),
      kind: 'exchange',
      at: Number(body.at),
      server: str(body.server),
      caller: str(body.caller),
      method: str(body.method),
      name: str(body.name),
      sessionId: str(body.sessionId),
      outcome: str(body.outcome),
    };
  }
  return {
    id: String(body.id),
    kind: String(body.kind),
    at: Number(body.at),
    server: str(body.server),
    caller: str(body.actor),
    method: str(body.action),
    name: str(body.target),
    sessionId: null,
    outcome: null,
  };
}

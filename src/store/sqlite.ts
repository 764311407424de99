import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { createApprovalStore } from './approval-sql.ts';
import { type AuditSql, createAuditSql } from './audit-sql.ts';
import { createIdentityStore } from './identity-sql.ts';
import { createPinStore } from './pins-sql.ts';
import { prepareDatabase } from './schema.ts';
import type { ExchangeQuery, ExchangeRecord, Store } from './types.ts';

// better-sqlite3 finds its native addon with the `bindings` package, which looks for the caller's
// package root in a stack trace and tries a dozen paths. From the bundle (scripts/bundle.mjs bundles
// better-sqlite3's JavaScript) that root is Custos's, so the addon is named here instead: where npm
// puts it, whether downloaded or built. Resolved on the first open; saves ~3 ms of cold start too.
let addon: string | undefined;
function nativeBinding(): string {
  try {
    addon ??= createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    throw new Error(
      "better-sqlite3's native addon is missing (better-sqlite3/build/Release/better_sqlite3.node): run `npm ci`, or `npm rebuild better-sqlite3`",
    );
  }
  return addon;
}

const open = (path: string): Database.Database => new Database(path, { nativeBinding: nativeBinding() });

/** Another connection to the same file (the audit writer's), schema up to date. */
export function openConnection(path: string): Database.Database {
  const db = open(path);
  prepareDatabase(db);
  return db;
}

export interface SqliteStoreOptions {
  path: string;
}

/**
 * The embedded store: one connection for reads and for the rare admin writes that another process
 * must see at once (identity, approvals), committed with synchronous=FULL. The audit chain appends
 * on a connection of its own (src/audit/sink.ts: one transaction per event-loop turn, synced as it
 * commits; this one for ':memory:'). WAL lets reads run beside it.
 */
export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const db = open(opts.path);
  prepareDatabase(db);
  const audit = createAuditSql(db);
  let closed = false;
  return {
    ...createIdentityStore(db),
    ...createApprovalStore(db),
    ...createPinStore(db),
    path: opts.path,
    db,
    audit,
    listExchanges: (query: ExchangeQuery = {}) => listExchanges(audit, query),
    countExchanges: () => audit.count(),
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/**
 * Exchange events as records (the shape the exchange log had before the chain): one per JSON-RPC
 * message, so a 2025-03-26 batch — one event — lists each of its calls.
 */
function listExchanges(audit: AuditSql, query: ExchangeQuery): ExchangeRecord[] {
  const limit = query.limit ?? 1000;
  const rows = audit.search({ kind: 'exchange', server: query.server, sessionId: query.sessionId, limit });
  const out: ExchangeRecord[] = [];
  for (const r of rows) {
    const b = JSON.parse(r.body) as ExchangeRecord & {
      at: number;
      findings: Record<string, number> | null;
      calls: { method: string; name: string | null }[] | null;
    };
    const record: ExchangeRecord = {
      id: b.id,
      receivedAt: b.at,
      server: b.server,
      era: b.era,
      protocolVersion: b.protocolVersion,
      sessionId: b.sessionId,
      caller: b.caller,
      method: b.method,
      name: b.name,
      httpStatus: b.httpStatus,
      outcome: b.outcome,
      errorCode: b.errorCode,
      durationUs: b.durationUs,
      upstreamUs: b.upstreamUs,
      bytesIn: b.bytesIn,
      bytesOut: b.bytesOut,
      findings: b.findings === null ? null : JSON.stringify(b.findings),
      masking: b.masking,
      policyRule: b.policyRule,
      policyEffect: b.policyEffect,
      approvalId: b.approvalId,
    };
    for (const call of b.calls ?? [{ method: b.method, name: b.name }]) {
      if (query.method === undefined || call.method === query.method)
        out.push({ ...record, method: call.method, name: call.name });
    }
  }
  return out.slice(0, limit);
}

import type Database from 'better-sqlite3';
import type { ExchangeRecord } from './types.ts';

// The SQLite schema and its migrations, shared by the writer (worker) and readers.

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE exchanges (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     server TEXT NOT NULL,
     era TEXT NOT NULL,
     protocol_version TEXT,
     session_id TEXT,
     caller TEXT NOT NULL,
     method TEXT NOT NULL,
     name TEXT,
     http_status INTEGER NOT NULL,
     outcome TEXT NOT NULL,
     error_code TEXT,
     duration_us INTEGER NOT NULL,
     upstream_us INTEGER,
     bytes_in INTEGER NOT NULL,
     bytes_out INTEGER NOT NULL
   );
   CREATE INDEX exchanges_received_at ON exchanges (received_at);
   CREATE INDEX exchanges_session ON exchanges (session_id) WHERE session_id IS NOT NULL;`,
];

export const INSERT_EXCHANGE = `INSERT INTO exchanges (id, received_at, server, era, protocol_version, session_id, caller,
    method, name, http_status, outcome, error_code, duration_us, upstream_us, bytes_in, bytes_out)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A record as the positional row INSERT_EXCHANGE takes (and as batches travel to the writer). */
export function exchangeRow(r: ExchangeRecord): unknown[] {
  return [
    r.id,
    r.receivedAt,
    r.server,
    r.era,
    r.protocolVersion,
    r.sessionId,
    r.caller,
    r.method,
    r.name,
    r.httpStatus,
    r.outcome,
    r.errorCode,
    r.durationUs,
    r.upstreamUs,
    r.bytesIn,
    r.bytesOut,
  ];
}

export const EXCHANGE_COLUMNS = `id, received_at AS receivedAt, server, era, protocol_version AS protocolVersion,
  session_id AS sessionId, caller, method, name, http_status AS httpStatus, outcome,
  error_code AS errorCode, duration_us AS durationUs, upstream_us AS upstreamUs,
  bytes_in AS bytesIn, bytes_out AS bytesOut`;

/** Opens the pragmas every connection needs and brings the schema up to date. */
export function prepareDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

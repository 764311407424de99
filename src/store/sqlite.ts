import Database from 'better-sqlite3';
import type { ExchangeQuery, ExchangeRecord, Store } from './types.ts';

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

const COLUMNS = `id, received_at AS receivedAt, server, era, protocol_version AS protocolVersion,
  session_id AS sessionId, caller, method, name, http_status AS httpStatus, outcome,
  error_code AS errorCode, duration_us AS durationUs, upstream_us AS upstreamUs,
  bytes_in AS bytesIn, bytes_out AS bytesOut`;

export interface SqliteStoreOptions {
  path: string;
  /** Records are committed in one transaction per window (group commit). */
  batchWindowMs?: number;
  batchMaxRows?: number;
}

export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const insert = db.prepare(
    `INSERT INTO exchanges (id, received_at, server, era, protocol_version, session_id, caller, method, name,
       http_status, outcome, error_code, duration_us, upstream_us, bytes_in, bytes_out)
     VALUES (@id, @receivedAt, @server, @era, @protocolVersion, @sessionId, @caller, @method, @name,
       @httpStatus, @outcome, @errorCode, @durationUs, @upstreamUs, @bytesIn, @bytesOut)`,
  );
  const insertMany = db.transaction((rows: ExchangeRecord[]) => {
    for (const r of rows) insert.run(r);
  });

  const windowMs = opts.batchWindowMs ?? 5;
  const maxRows = opts.batchMaxRows ?? 512;
  let queue: ExchangeRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    insertMany(rows);
  };

  return {
    recordExchange(record) {
      if (closed) throw new Error('store is closed');
      queue.push(record);
      if (queue.length >= maxRows) flush();
      else if (!timer) {
        timer = setTimeout(flush, windowMs);
        timer.unref();
      }
    },
    flush,
    listExchanges(query: ExchangeQuery = {}) {
      flush();
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: query.limit ?? 1000 };
      if (query.server !== undefined) {
        where.push('server = @server');
        params.server = query.server;
      }
      if (query.method !== undefined) {
        where.push('method = @method');
        params.method = query.method;
      }
      if (query.sessionId !== undefined) {
        where.push('session_id = @sessionId');
        params.sessionId = query.sessionId;
      }
      const sql = `SELECT ${COLUMNS} FROM exchanges ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT @limit`;
      return db.prepare(sql).all(params) as ExchangeRecord[];
    },
    countExchanges() {
      flush();
      return (db.prepare('SELECT count(*) AS n FROM exchanges').get() as { n: number }).n;
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { log } from '../core/log.ts';
import { createApprovalStore } from './approval-sql.ts';
import { createIdentityStore } from './identity-sql.ts';
import { createPinStore } from './pins-sql.ts';
import { EXCHANGE_COLUMNS, exchangeRow, INSERT_EXCHANGE, prepareDatabase } from './schema.ts';
import type { ExchangeQuery, ExchangeRecord, Store } from './types.ts';

export interface SqliteStoreOptions {
  path: string;
  /** Records are committed in one transaction per window (group commit). */
  batchWindowMs?: number;
  batchMaxRows?: number;
}

const FLUSH_TIMEOUT_MS = 10_000;

/**
 * The embedded store. For a file, commits run on a worker thread (an fsync per commit would stall
 * every request); reads use a connection of their own (WAL lets them run beside the writer).
 * ':memory:' has no file to share, so it writes in-process. Identity, approval and pin writes
 * (issued tokens, revocations, SCIM users, approval requests and decisions, tool pins) are rare
 * and must be visible to other processes at once, so they commit synchronously on the main-thread
 * connection instead of the batching writer.
 */
export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const memory = opts.path === ':memory:';
  const reader = new Database(opts.path);
  prepareDatabase(reader);
  const write = memory ? inProcessWriter(reader) : workerWriter(opts.path);

  const windowMs = opts.batchWindowMs ?? 50;
  const maxRows = opts.batchMaxRows ?? 512;
  let queue: ExchangeRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const send = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    write.send(rows);
  };

  const flush = (): void => {
    send();
    write.waitCommitted();
  };

  return {
    ...createIdentityStore(reader),
    ...createApprovalStore(reader),
    ...createPinStore(reader),
    recordExchange(record) {
      if (closed) throw new Error('store is closed');
      queue.push(record);
      if (queue.length >= maxRows) send();
      else if (!timer) {
        timer = setTimeout(send, windowMs);
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
      const sql = `SELECT ${EXCHANGE_COLUMNS} FROM exchanges ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT @limit`;
      return reader.prepare(sql).all(params) as ExchangeRecord[];
    },
    countExchanges() {
      flush();
      return (reader.prepare('SELECT count(*) AS n FROM exchanges').get() as { n: number }).n;
    },
    async close() {
      if (closed) return;
      flush();
      closed = true;
      await write.close();
      reader.close();
    },
  };
}

interface Writer {
  send(rows: ExchangeRecord[]): void;
  /** Blocks until everything sent is committed (or failed). */
  waitCommitted(): void;
  close(): Promise<void>;
}

function inProcessWriter(db: Database.Database): Writer {
  const insert = db.prepare(INSERT_EXCHANGE);
  const insertMany = db.transaction((rows: ExchangeRecord[]) => {
    for (const r of rows) insert.run(exchangeRow(r));
  });
  return { send: (rows) => insertMany(rows), waitCommitted: () => {}, close: async () => {} };
}

function workerWriter(path: string): Writer {
  const committed = new SharedArrayBuffer(8);
  const counts = new Int32Array(committed); // [committed, failed]
  const worker = startWorker(new URL('./sqlite-worker', import.meta.url), { path, committed });
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
    if (m.error) log('error', 'store write failed', { error: m.error });
  });
  worker.on('error', (err) => log('error', 'store writer crashed', { error: String(err) }));
  let sent = 0;
  return {
    send(rows) {
      sent += rows.length;
      worker.postMessage({ batch: JSON.stringify(rows.map(exchangeRow)), n: rows.length });
    },
    waitCommitted() {
      const deadline = Date.now() + FLUSH_TIMEOUT_MS;
      for (;;) {
        const done = Atomics.load(counts, 0);
        if (done + Atomics.load(counts, 1) >= sent) return;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('store flush timed out');
        Atomics.wait(counts, 0, done, Math.min(left, 100));
      }
    },
    close() {
      return new Promise((resolve) => {
        // Unref'd while running; closing must hold the process open until the writer is done,
        // or a short-lived process (`custos token …`) would exit with the close still pending.
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage({ close: true });
      });
    },
  };
}

/**
 * Built, the worker is the .js beside this file. Run from the sources (tsx: tests, `npm run
 * bench`), a worker does not inherit tsx's loader on Node 20, so it registers tsx itself first.
 */
function startWorker(base: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`${base.href}.js`), { workerData });
  const entry = JSON.stringify(`${base.href}.ts`);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`;
  return new Worker(boot, { eval: true, workerData });
}

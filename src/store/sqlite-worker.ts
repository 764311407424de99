import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { INSERT_EXCHANGE, prepareDatabase } from './schema.ts';

// The SQLite writer thread: every commit (WAL, synchronous=FULL, so an fsync) happens here, off
// the event loop that serves requests. It counts committed rows in shared memory, so the main
// thread can wait for a flush without a round trip through the event loop.

const { path, committed } = workerData as { path: string; committed: SharedArrayBuffer };
const count = new Int32Array(committed);
const db = new Database(path);
prepareDatabase(db);
const insert = db.prepare(INSERT_EXCHANGE);
const insertMany = db.transaction((rows: unknown[][]) => {
  for (const r of rows) insert.run(r);
});

const port = parentPort;
if (!port) throw new Error('sqlite-worker must run as a worker thread');
// A batch arrives as one JSON string of positional rows: far cheaper to post than a structured
// clone of many small objects.
port.on('message', (msg: { batch?: string; n?: number; close?: true }) => {
  if (msg.batch !== undefined) {
    const n = msg.n ?? 0;
    try {
      insertMany(JSON.parse(msg.batch) as unknown[][]);
      Atomics.add(count, 0, n);
    } catch (err) {
      // Counted as failed so a waiting flush does not hang; reported to the main thread.
      Atomics.add(count, 1, n);
      port.postMessage({ error: String(err) });
    }
    Atomics.notify(count, 0);
  }
  if (msg.close) {
    db.close();
    port.close();
  }
});
port.postMessage({ ready: true });

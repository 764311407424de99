import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { prepareDatabase } from '../store/index.ts';
import { exportCheckpoint } from './checkpoint-export.ts';
import type { ActionFacts } from './event.ts';
import type { RetentionRule } from './retention.ts';
import type { AuditWriter, Submission } from './writer.ts';
import type { WriterSetup } from './writer-setup.ts';

// The audit writer thread: every commit (WAL, synchronous=FULL: an fsync) happens here, off the
// event loop that serves requests, and so does the CPU work of an event (masking the recording,
// sealing the raw copy, hashing). Batches form by themselves: whatever arrived while the previous
// commit ran goes into the next one (group commit), so one caller waits for one fsync and many
// callers share theirs.

export type ToWriter =
  | { t: 'batch'; items: [token: number, sub: Submission][] }
  | { t: 'probe'; token: number }
  | { t: 'checkpoint'; token: number; force: boolean }
  | { t: 'retain'; token: number; rules: RetentionRule[]; action: Omit<ActionFacts, 'details'> }
  | { t: 'close' };

export type FromWriter =
  | { t: 'ready' }
  | { t: 'fatal'; error: string }
  | { t: 'done'; tokens: number[] }
  | { t: 'failed'; tokens: number[]; error: string };

if (!parentPort) throw new Error('the audit writer must run as a worker thread');
const port: MessagePort = parentPort;
const setup = workerData as WriterSetup;
const post = (m: FromWriter): void => port.postMessage(m);

// Ready as soon as the store is open: the gateway's start waits for this, not for the masking
// engine, which loads and compiles next while the gateway finishes starting. Submissions that
// arrive meanwhile wait on the port (its listener is attached once the writer exists).
let db: Database.Database;
try {
  db = new Database(setup.path);
  prepareDatabase(db);
} catch (err) {
  post({ t: 'fatal', error: String(err) });
  throw err;
}
post({ t: 'ready' });
const writer: AuditWriter = (await import('./writer-setup.ts')).buildWriter(setup, db);
writer.warm();

let pending: [number, Submission][] = [];
let scheduled = false;
let committing = false;
let closeRequested = false;

/**
 * Group commit: while a commit (an fsync) runs, submissions pile up on the port; before each
 * commit they are all taken, synchronously (receiveMessageOnPort), so one commit carries every
 * event that arrived during the previous one. At low load a batch is one event and waits for
 * nothing else.
 */
function commitAll(): void {
  scheduled = false;
  committing = true;
  for (;;) {
    drain();
    const items = pending;
    pending = [];
    if (items.length === 0) break;
    const tokens = items.map(([t]) => t);
    try {
      const cps = writer.write(items.map(([, s]) => s));
      post({ t: 'done', tokens });
      for (const cp of cps) exportCheckpoint(cp, setup);
    } catch (err) {
      post({ t: 'failed', tokens, error: String(err) });
    }
  }
  committing = false;
  if (closeRequested) finish();
}

/** Takes every message already waiting on the port; other kinds are handled as they come. */
function drain(): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) handle(m.message as ToWriter);
}

const timer = setInterval(
  () => {
    try {
      const cp = writer.checkpoint(false);
      if (cp) exportCheckpoint(cp, setup);
    } catch {
      // A failing store shows on the next batch or probe; the timer only adds checkpoints.
    }
  },
  Math.max(250, Math.min(setup.checkpointIntervalMs, 60_000)),
);

// Approval decisions are written elsewhere (the admin API, another replica): mirrored every second.
const mirrorTimer = setInterval(() => {
  try {
    writer.mirror();
  } catch {
    // A failing store shows on the next batch or probe.
  }
}, 1000);

port.on('message', handle);

function handle(m: ToWriter): void {
  switch (m.t) {
    case 'batch':
      for (const item of m.items) pending.push(item);
      if (!scheduled) {
        scheduled = true;
        setImmediate(commitAll);
      }
      return;
    case 'probe':
      try {
        writer.probe();
        post({ t: 'done', tokens: [m.token] });
      } catch (err) {
        post({ t: 'failed', tokens: [m.token], error: String(err) });
      }
      return;
    case 'checkpoint':
      try {
        const cp = writer.checkpoint(m.force);
        if (cp) exportCheckpoint(cp, setup);
        post({ t: 'done', tokens: [m.token] });
      } catch (err) {
        post({ t: 'failed', tokens: [m.token], error: String(err) });
      }
      return;
    case 'retain':
      try {
        writer.retain(m.rules, m.action);
        post({ t: 'done', tokens: [m.token] });
      } catch (err) {
        post({ t: 'failed', tokens: [m.token], error: String(err) });
      }
      return;
    case 'close':
      // Everything queued before the close is committed first.
      closeRequested = true;
      if (!committing) commitAll();
  }
}

function finish(): void {
  clearInterval(timer);
  clearInterval(mirrorTimer);
  try {
    writer.mirror();
  } catch {
    // Whatever is not mirrored now is mirrored by the next writer: the position is in the store.
  }
  db.close();
  port.close();
}

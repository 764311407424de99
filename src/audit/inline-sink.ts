import type Database from 'better-sqlite3';
import { exportCheckpoint } from './checkpoint-export.ts';
import { type AuditSink, BaseSink } from './sink.ts';
import type { AuditWriter } from './writer.ts';
import { buildWriter, type WriterSetup } from './writer-setup.ts';
import type { ToWriter } from './writer-thread.ts';

/** The writer in this thread: a ':memory:' store (tests) and the CLI. */
export class InlineSink extends BaseSink {
  readonly #writer: AuditWriter;
  readonly #setup: WriterSetup;
  readonly #timer: NodeJS.Timeout;

  constructor(writer: AuditWriter, setup: WriterSetup) {
    super();
    this.#writer = writer;
    this.#setup = setup;
    this.#timer = setInterval(
      () => {
        try {
          writer.mirror();
          const cp = writer.checkpoint(false);
          if (cp) exportCheckpoint(cp, setup);
        } catch {
          // Shows on the next batch.
        }
      },
      Math.max(250, Math.min(setup.checkpointIntervalMs, 1000)),
    );
    this.#timer.unref();
  }

  protected send(m: ToWriter): void {
    if (m.t === 'close') return;
    const tokens = m.t === 'batch' ? m.items.map(([t]) => t) : [m.token];
    try {
      if (m.t === 'batch') {
        for (const cp of this.#writer.write(m.items.map(([, s]) => s))) exportCheckpoint(cp, this.#setup);
      } else if (m.t === 'probe') this.#writer.probe();
      else if (m.t === 'retain') this.#writer.retain(m.rules, m.action);
      else {
        const cp = this.#writer.checkpoint(m.force);
        if (cp) exportCheckpoint(cp, this.#setup);
      }
      queueMicrotask(() => this.settle({ t: 'done', tokens }));
    } catch (err) {
      queueMicrotask(() => this.settle({ t: 'failed', tokens, error: String(err) }));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushQueue();
    this.closed = true;
    this.stopProbing();
    clearInterval(this.#timer);
    await new Promise((r) => setImmediate(r));
  }
}

export function startInlineSink(setup: WriterSetup, db: Database.Database): AuditSink {
  return new InlineSink(buildWriter(setup, db), setup);
}

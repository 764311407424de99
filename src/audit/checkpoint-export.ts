import { renameSync, writeFileSync } from 'node:fs';
import { log } from '../core/log.ts';
import type { CheckpointRow } from '../store/index.ts';
import type { WriterSetup } from './writer-setup.ts';

/**
 * Hands a new checkpoint to outside witnesses: the file always holds the latest signed note
 * (replaced atomically), and the webhook gets each one POSTed. Never throws: a witness being
 * away does not stop the log.
 */
export function exportCheckpoint(
  cp: CheckpointRow,
  setup: Pick<WriterSetup, 'checkpointFile' | 'checkpointWebhook'>,
): void {
  if (setup.checkpointFile) {
    try {
      const tmp = `${setup.checkpointFile}.tmp`;
      writeFileSync(tmp, cp.note);
      renameSync(tmp, setup.checkpointFile);
    } catch (err) {
      log('error', 'checkpoint not written to its file', { file: setup.checkpointFile, error: String(err) });
    }
  }
  if (setup.checkpointWebhook) void postCheckpoint(setup.checkpointWebhook, cp.note, cp.size);
}

async function postCheckpoint(url: string, note: string, size: number): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: note,
        signal: AbortSignal.timeout(5_000),
      });
      if (res.ok) return;
      log('warn', 'checkpoint webhook refused the checkpoint', { size, status: res.status });
    } catch (err) {
      log('warn', 'checkpoint webhook unreachable', { size, error: (err as Error).message });
    }
    await new Promise((r) => setTimeout(r, 500 * 2 ** attempt).unref());
  }
  log('error', 'checkpoint not delivered to its webhook', { size });
}

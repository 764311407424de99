import type { AuditSql, CheckpointRow } from '../store/index.ts';
import { openCheckpoint } from './checkpoint.ts';
import { createNodeCache, hashLeafText, inclusionProof, verifyInclusion } from './merkle.ts';
import type { TimelineEntry } from './recording.ts';
import type { NoteVerifier } from './signed-note.ts';
import { openRaw, type RecordingState, replay } from './trail.ts';

// A data-subject access request (GDPR Art. 15): every exchange that touched the subject — who
// called, when, which tool, what came back (masked), whether masking applied — each with an
// inclusion proof against a signed checkpoint, so the recipient can check that the log holds
// exactly these events without trusting whoever handed the bundle over.

export const DSAR_FORMAT = 'custos-dsar/1';

export interface DsarExchange {
  seq: number;
  /** The event exactly as hashed into the log. */
  event: string;
  inclusionProof: string[];
  recording: RecordingState;
  truncated: boolean;
  timeline: TimelineEntry[];
  /** The unmasked copy, when asked for and still readable. */
  raw?: { state: 'opened' | 'not kept' | 'deleted' | 'erased'; timeline?: TimelineEntry[] };
}

export interface DsarBundle {
  format: typeof DSAR_FORMAT;
  generatedAt: string;
  subject: string;
  log: { origin: string; verifierKey: string };
  /** The signed checkpoint every proof is against. */
  checkpoint: string;
  treeSize: number;
  exchanges: DsarExchange[];
}

export interface DsarOptions {
  subject: string;
  keys: readonly Buffer[];
  checkpoint: CheckpointRow;
  origin: string;
  verifierKey: string;
  /** With the key encryption key, raw copies are opened and included. */
  kek?: Buffer | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export function exportDsar(sql: AuditSql, opts: DsarOptions): DsarBundle {
  const seqs = sql.subjectSeqs(opts.keys).filter((s) => s < opts.checkpoint.size);
  const cache = createNodeCache(8192);
  const exchanges: DsarExchange[] = [];
  for (const seq of seqs) {
    const row = sql.event(seq);
    if (!row) continue;
    const [replayed] = replay(sql, row.id).filter((r) => r.event.seq === seq);
    const entry: DsarExchange = {
      seq,
      event: row.body,
      inclusionProof: inclusionProof(seq, opts.checkpoint.size, sql, cache).map((h) => h.toString('hex')),
      recording: replayed?.recording ?? 'not kept',
      truncated: replayed?.truncated ?? false,
      timeline: replayed?.timeline ?? [],
    };
    if (opts.kek) {
      const raw = openRaw(sql, seq, opts.kek);
      entry.raw = raw.ok ? { state: 'opened', timeline: raw.timeline } : { state: raw.reason };
    }
    exchanges.push(entry);
    opts.onProgress?.(exchanges.length, seqs.length);
  }
  return {
    format: DSAR_FORMAT,
    generatedAt: new Date().toISOString(),
    subject: opts.subject,
    log: { origin: opts.origin, verifierKey: opts.verifierKey },
    checkpoint: opts.checkpoint.note,
    treeSize: opts.checkpoint.size,
    exchanges,
  };
}

export interface DsarCheck {
  ok: boolean;
  problems: string[];
  exchanges: number;
}

/** Checks a bundle: its checkpoint's signature, and each event's inclusion proof against it. */
export function verifyDsar(bundle: DsarBundle, verifiers: readonly NoteVerifier[]): DsarCheck {
  const problems: string[] = [];
  if (bundle.format !== DSAR_FORMAT)
    return { ok: false, problems: [`not a ${DSAR_FORMAT} bundle`], exchanges: 0 };
  let root: Buffer;
  let size: number;
  try {
    const { checkpoint } = openCheckpoint(bundle.checkpoint, verifiers, { origin: bundle.log.origin });
    root = checkpoint.rootHash;
    size = checkpoint.size;
  } catch (err) {
    return { ok: false, problems: [`checkpoint: ${(err as Error).message}`], exchanges: 0 };
  }
  for (const e of bundle.exchanges) {
    let seq: unknown;
    try {
      seq = (JSON.parse(e.event) as { seq?: unknown }).seq;
    } catch {
      problems.push(`exchange #${e.seq}: the event is not JSON`);
      continue;
    }
    if (seq !== e.seq) {
      problems.push(`exchange #${e.seq}: the event says it is #${String(seq)}`);
      continue;
    }
    const proof = Array.isArray(e.inclusionProof)
      ? e.inclusionProof.map((h) => Buffer.from(String(h), 'hex'))
      : [];
    if (!verifyInclusion(e.seq, size, hashLeafText(e.event), proof, root))
      problems.push(
        `exchange #${e.seq}: its inclusion proof does not lead to the signed root (altered or forged)`,
      );
  }
  return { ok: problems.length === 0, problems, exchanges: bundle.exchanges.length };
}

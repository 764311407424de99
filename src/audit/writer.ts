import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import { log } from '../core/log.ts';
import type { CompiledMasking, CompiledProfile } from '../masking/compile.ts';
import { maskJson } from '../masking/index.ts';
import type { Finding } from '../masking/types.ts';
import { type AuditSql, type ChainStamp, type CheckpointRow, sameChainStamp } from '../store/audit-sql.ts';
import { FOLD_STEP_MS } from '../store/subject-fold.ts';
import { setKeys, subjectSet } from '../store/subject-sets.ts';
import { NO_SUBJECT, newSubjectKey, type SubjectKey, sealPayload, unwrapSubjectKey } from './envelope.ts';
import { type ActionFacts, type EventFacts, eventBody, eventColumns, type PayloadFacts } from './event.ts';
import { maskAnswer, maskRequest } from './mask-recording.ts';
import { chainNext, hashLeafText, MerkleAppender, sha256Hex } from './merkle.ts';
import { encodeRecording, RAW_MESSAGES, type RecordedFrame } from './recording.ts';
import type { RetentionRule } from './retention.ts';

// The single writer of the audit chain. It turns what the gateway captured into events —
// recordings masked, subjects indexed, raw copies sealed — and appends them in one transaction
// per batch (group commit): seq, leaf hash, chain hash, Merkle nodes, and a signed checkpoint
// when one is due. The gateway's sink (sink.ts) and the CLI run it. The CPU work happens before the
// transaction; the write lock is held only to sequence and insert.

/** What the gateway captured of an exchange's bytes. */
export interface CapturedRecording {
  headers: Record<string, string>;
  body: Uint8Array | null;
  status: number;
  contentType: string | null;
  frames: [t: number, data: Uint8Array | string][];
  truncated: boolean;
  /** The frames are what the client got, masked with `profile` (a non-exempt caller). */
  outMasked: boolean;
  /** The masking profile that applies to this server and tool (null: the audit's recording profile). */
  profile: string | null;
  /** Keyed hashes the mask step found in the answer: 32 bytes each, several to a buffer (repeats allowed). */
  subjects: Buffer[];
  /** Entity type → count the mask step found in the answer (the frames are masked already). */
  answerTypes: Record<string, number>;
  /** Keep an encrypted raw copy (the server's `audit.retainRaw`). */
  retainRaw: boolean;
  /** The upstream's messages before masking, when the frames were masked and a raw copy is kept. */
  rawMessages: JsonRpcMessage[] | null;
}

export interface Submission {
  facts: EventFacts;
  recording?: CapturedRecording | undefined;
}

export interface WriterOptions {
  sql: AuditSql;
  /**
   * The compiled masking profiles (keyed with the deployment's HMAC key, as the mask step's) and
   * the profile recordings get when their server names none: compiled on first use.
   */
  profiles: () => { masking: CompiledMasking; recordingProfile: CompiledProfile };
  /** Wraps per-subject keys; required when any server keeps raw copies. */
  kek: Buffer | undefined;
  /** Signs a checkpoint of the tree at `size` with root `root`; returns the signed note. */
  signCheckpoint: (size: number, root: Buffer) => string;
  /** A checkpoint every this many events … */
  checkpointEvery: number;
  /** … or this often while events arrive (ms). */
  checkpointIntervalMs: number;
  /** An append's time for folding per bucket owed (default FOLD_STEP_MS); Infinity: all at once. */
  foldStepMs?: number | undefined;
  /** Appends do not fold; the caller calls `fold()` after its commits (the gateway's sink). */
  foldApart?: boolean | undefined;
  now?: () => number;
}

interface Prepared {
  facts: EventFacts;
  masked: Buffer | null;
  raw: Buffer | null;
  rawPlain: Buffer | null;
  /** The blind-index keys (a subject set), null for none. */
  subjects: { keys: Buffer; count: number } | null;
  truncated: boolean;
  /** Entity type → count found in the recording (request and answer). */
  types: Record<string, number>;
}

export interface ErasureResult {
  exchanges: number;
  keysDestroyed: number;
  indexRowsRemoved: number;
  recordingsDeleted: number;
  eventSeq: number;
}

export interface RetentionResult {
  deleted: Record<string, { masked: number; raw: number }>;
  total: number;
}

/** An event with no recording to keep (a decision, or a recording that could not be masked). */
const bare = (facts: EventFacts, truncated = false): Prepared => ({
  facts,
  masked: null,
  raw: null,
  rawPlain: null,
  subjects: null,
  truncated,
  types: {},
});

export class AuditWriter {
  readonly #o: WriterOptions;
  readonly #now: () => number;
  #appender: MerkleAppender | undefined;
  #tipChain: Buffer | undefined;
  /** The store's chain stamp as this writer's last transaction left it: while it holds, the cached tree is current. */
  #stamp: ChainStamp | undefined;
  /** The newest checkpoint (undefined: none), read once per change of stamp; null: not read yet. */
  #latest: CheckpointRow | undefined | null = null;
  /** The current transaction brought the cached tree up to date (`#syncAppender`). */
  #synced = false;
  #keys = new Map<string, SubjectKey>();
  #erasures = -1;

  constructor(opts: WriterOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** Appends the batch durably, or throws (then nothing of it was written). Returns new checkpoints. */
  write(batch: readonly Submission[]): CheckpointRow[] {
    const prepared = batch.map((s) => this.#prepareSafely(s));
    this.#seal(prepared);
    return this.#transaction(() => {
      // Nobody else appends inside this transaction: the tree just appended to is current, and the
      // tip need not be read again.
      const cp = this.#checkpointIfDue(this.#appendPrepared(prepared), false);
      return cp ? [cp] : [];
    });
  }

  /**
   * One IMMEDIATE transaction. Its last statement reads the chain's stamp, which the next one
   * compares to know whether anyone appended or checkpointed in between; if it rolls back, the
   * cached tree and checkpoint no longer match the store.
   */
  #transaction<T>(fn: () => T): T {
    const { sql } = this.#o;
    this.#synced = false;
    try {
      return sql.appending(() => {
        const result = fn();
        // Only a transaction that brought the cached tree up to date may vouch for it.
        this.#stamp = this.#synced ? sql.chainStamp() : undefined;
        return result;
      });
    } catch (err) {
      this.#appender = undefined;
      this.#stamp = undefined;
      this.#latest = null;
      throw err;
    }
  }

  /**
   * Inside a transaction: sequences and inserts events, their payloads, index rows and tree nodes.
   * Returns the tree, appended to.
   */
  #appendPrepared(prepared: readonly Prepared[]): MerkleAppender {
    const { sql } = this.#o;
    const appender = this.#syncAppender();
    let chain = this.#tipChain as Buffer;
    for (const p of prepared) {
      const seq = appender.size;
      const payload: PayloadFacts | null =
        p.facts.kind === 'exchange'
          ? {
              masked: p.masked ? { sha256: sha256Hex(p.masked), bytes: p.masked.length } : null,
              raw: p.raw ? { sha256: sha256Hex(p.raw), bytes: p.raw.length } : null,
              truncated: p.truncated,
              subjects: p.subjects?.count ?? 0,
              types: p.types,
            }
          : null;
      const body = eventBody(seq, p.facts, payload);
      const leafHash = hashLeafText(body);
      chain = chainNext(chain, leafHash);
      sql.insertEvent({ seq, ...eventColumns(p.facts), body, leafHash, chainHash: chain });
      if (p.masked || p.raw) sql.insertPayload(seq, p.masked, p.raw);
      if (p.subjects) sql.insertSubjectSet(seq, p.subjects.keys);
      for (const n of appender.append(leafHash)) sql.insertNode(n.level, n.index, n.hash);
      this.#tipChain = chain;
    }
    // Search and blind index for complete buckets, a few milliseconds' worth per append
    // (src/store/subject-fold.ts): a bucket is folded over the appends that follow it. The gateway's
    // sink folds apart, after the answers are out (`fold`).
    if (!this.#o.foldApart) sql.fold(appender.size, this.#o.foldStepMs ?? FOLD_STEP_MS);
    return appender;
  }

  /**
   * Folds what is due of complete buckets (paced over the next bucket's events; more when behind),
   * in a transaction of its own that does not wait for the disk: the next append's sync makes it
   * durable, and one lost in a crash is simply done again (its progress is in the same
   * transaction). Costs no query when nothing is due. Returns whether steps are still due.
   */
  fold(): boolean {
    const { sql } = this.#o;
    const size = this.#size();
    if (!sql.foldDue(size)) return false;
    return sql.foldUnsynced(size, this.#o.foldStepMs ?? FOLD_STEP_MS);
  }

  /**
   * Whether `fold()` has steps due: from memory, without a query, most of the time. The sink asks
   * after each commit and spends a turn of the event loop on the fold only when it has.
   */
  foldDue(): boolean {
    return this.#o.sql.foldDue(this.#size());
  }

  #size(): number {
    return this.#appender?.size ?? this.#o.sql.tip().size;
  }

  /**
   * Approval decisions (requested, granted, denied, expired, used, withdrawn) are written by the
   * approval store to its own log, synchronously, wherever they happen (the admin API, another
   * replica). The writer mirrors that log into the chain, in order and exactly once: the position
   * mirrored so far is updated in the same transaction as the events. Approvers' free text is
   * masked like any recording.
   */
  #mirrorApprovals(): void {
    const { sql } = this.#o;
    const from = sql.mirroredApprovalSeq();
    const rows = sql.approvalEventsAfter(from, 1000);
    if (rows.length === 0) return;
    const prepared: Prepared[] = rows.map((r) => {
      let details: Record<string, unknown> = {};
      if (r.detail !== null) {
        try {
          details = maskJson(JSON.parse(r.detail), this.#o.profiles().recordingProfile).value as Record<
            string,
            unknown
          >;
        } catch {
          details = { detail: 'unreadable' };
        }
      }
      const facts: ActionFacts = {
        kind: 'approval',
        id: `approval-event-${r.seq}`,
        at: r.at,
        actor: r.actor ?? 'custos',
        server: r.server,
        target: r.approvalId,
        action: r.kind,
        reason: null,
        details: { ...details, tool: r.name },
      };
      return bare(facts);
    });
    this.#appendPrepared(prepared);
    sql.setMirroredApprovalSeq((rows.at(-1) as { seq: number }).seq);
  }

  /** Mirrors new approval events into the chain now (the writer's timer), in a transaction of its own. */
  mirror(): void {
    const { sql } = this.#o;
    if (sql.lastApprovalEventSeq() <= sql.mirroredApprovalSeq()) return;
    this.#transaction(() => this.#mirrorApprovals());
  }

  /** Appends events that carry no recording (decisions, erasures, raw views) in one transaction. */
  appendActions(actions: readonly ActionFacts[]): CheckpointRow[] {
    return this.write(actions.map((facts) => ({ facts })));
  }

  /**
   * Erases data subjects (GDPR Art. 17): destroys their keys — every raw copy sealed under them
   * is unreadable from then on — removes their blind-index rows, optionally deletes the masked
   * recordings of the exchanges that touched them, and records the erasure as an event; all in
   * one transaction. The chain still verifies: it covers the hashes, not the payloads.
   */
  erase(
    subjects: readonly Buffer[],
    opts: { pruneMasked: boolean; action: Omit<ActionFacts, 'details'> },
  ): ErasureResult {
    const { sql } = this.#o;
    return this.#transaction(() => {
      const seqs = sql.subjectSeqs(subjects);
      const keysDestroyed = sql.deleteSubjectKeys(subjects);
      if (keysDestroyed > 0) sql.bumpErasures();
      const indexRowsRemoved = sql.deleteSubjectIndex(subjects);
      const recordingsDeleted = opts.pruneMasked ? sql.prunePayloadsOf(seqs, this.#now()) : 0;
      const result = { exchanges: seqs.length, keysDestroyed, indexRowsRemoved, recordingsDeleted };
      const facts: ActionFacts = { ...opts.action, details: { ...result } };
      this.#appendPrepared([bare(facts)]);
      this.#keys.clear();
      return { ...result, eventSeq: (this.#appender as MerkleAppender).size - 1 };
    });
  }

  /** Deletes payloads past their servers' retention and records what went, in one transaction. */
  retain(rules: readonly RetentionRule[], action: Omit<ActionFacts, 'details'>): RetentionResult {
    const { sql } = this.#o;
    const at = this.#now();
    return this.#transaction(() => {
      const deleted: Record<string, { masked: number; raw: number }> = {};
      let total = 0;
      for (const r of rules) {
        const masked =
          r.maskedBefore === undefined ? 0 : sql.prunePayloads(r.server, r.maskedBefore, 'masked', at);
        const raw = r.rawBefore === undefined ? 0 : sql.prunePayloads(r.server, r.rawBefore, 'raw', at);
        if (masked + raw > 0) deleted[r.server] = { masked, raw };
        total += masked + raw;
      }
      if (total > 0) {
        const facts: ActionFacts = { ...action, details: { deleted } };
        this.#appendPrepared([bare(facts)]);
      }
      return { deleted, total };
    });
  }

  /** Compiles the masking profiles now rather than on the first recording. */
  warm(): void {
    this.#o.profiles();
  }

  /** Commits a write that changes nothing that matters: whether the store can commit again. */
  probe(): void {
    this.#o.sql.appending(() => this.#o.sql.touch());
  }

  /** Signs a checkpoint now if one is due by time (or `force`), in a transaction of its own. */
  checkpoint(force = false): CheckpointRow | undefined {
    return this.#transaction(() => this.#checkpointIfDue(this.#syncAppender(), force, true));
  }

  /**
   * The cached tree, rebuilt when another writer appended since (the CLI beside a gateway). Inside a
   * transaction: when the chain's stamp is the one this writer's last transaction left, nobody
   * appended or checkpointed since, and neither the tip nor the latest checkpoint is read again.
   */
  #syncAppender(): MerkleAppender {
    const { sql } = this.#o;
    this.#synced = true;
    if (this.#appender && this.#stamp && sameChainStamp(sql.chainStamp(), this.#stamp)) return this.#appender;
    this.#latest = null;
    const tip = sql.tip();
    if (!this.#appender || this.#appender.size !== tip.size || !this.#tipChain?.equals(tip.chainHash)) {
      this.#appender = MerkleAppender.fromReader(tip.size, sql);
      this.#tipChain = tip.chainHash;
    }
    return this.#appender;
  }

  #checkpointIfDue(appender: MerkleAppender, force: boolean, byTime = false): CheckpointRow | undefined {
    const { sql, checkpointEvery, checkpointIntervalMs } = this.#o;
    const size = appender.size;
    if (size === 0) return undefined;
    if (this.#latest === null) this.#latest = sql.latestCheckpoint();
    const last = this.#latest;
    if (last && last.size >= size) return undefined;
    const now = this.#now();
    const due =
      force ||
      size - (last?.size ?? 0) >= checkpointEvery ||
      (byTime && now - (last?.at ?? 0) >= checkpointIntervalMs);
    if (!due) return undefined;
    const rootHash = appender.root();
    const row = { size, at: now, rootHash, note: this.#o.signCheckpoint(size, rootHash) };
    sql.insertCheckpoint(row);
    this.#latest = row;
    return row;
  }

  /**
   * A recording that cannot be masked (a bug, an input no detector expected) must neither stop the
   * batch nor be stored unmasked: the event is kept, without its recording, and says so.
   */
  #prepareSafely(s: Submission): Prepared {
    try {
      return this.#prepare(s);
    } catch (err) {
      log('error', 'recording not kept: it could not be masked', {
        id: s.facts.id,
        error: err instanceof Error ? err.name : 'error',
      });
      return bare(s.facts, true);
    }
  }

  #prepare(s: Submission): Prepared {
    const rec = s.recording;
    if (!rec) return bare(s.facts);
    const profile =
      (rec.profile !== null && this.#o.profiles().masking.profiles.get(rec.profile)) ||
      this.#o.profiles().recordingProfile;
    const frames: RecordedFrame[] = rec.frames.map(([t, d]) => ({ t, data: toBuffer(d) }));
    const body = rec.body === null ? null : toBuffer(rec.body);
    const req = maskRequest(rec.headers, body, profile);
    const answer = rec.outMasked ? { frames, findings: [] } : maskAnswer(rec.contentType, frames, profile);
    const masked = encodeRecording({
      request: { headers: req.headers, body: req.body },
      response: { status: rec.status, contentType: rec.contentType, frames: answer.frames },
      truncated: rec.truncated,
    });
    const subjects = subjectKeys(rec.subjects, req.findings, answer.findings);
    const types: Record<string, number> = {};
    for (const list of [req.findings, answer.findings])
      for (const f of list) types[f.type] = (types[f.type] ?? 0) + 1;
    for (const [type, n] of Object.entries(rec.answerTypes)) types[type] = (types[type] ?? 0) + n;
    let rawPlain: Buffer | null = null;
    if (rec.retainRaw) {
      const rawFrames =
        rec.rawMessages === null
          ? frames
          : rec.rawMessages.map((m) => ({ t: frames.at(-1)?.t ?? 0, data: Buffer.from(JSON.stringify(m)) }));
      rawPlain = encodeRecording({
        request: { headers: rec.headers, body },
        response: {
          status: rec.status,
          contentType: rec.rawMessages === null ? rec.contentType : RAW_MESSAGES,
          frames: rawFrames,
        },
        truncated: rec.truncated,
      });
    }
    return { facts: s.facts, masked, raw: null, rawPlain, subjects, truncated: rec.truncated, types };
  }

  /** Seals each raw copy under the keys of every subject it touched (creating keys as needed). */
  #seal(prepared: Prepared[]): void {
    const needing = prepared.filter((p) => p.rawPlain !== null);
    if (needing.length === 0) return;
    const { kek, sql } = this.#o;
    if (!kek) throw new Error('raw retention needs the audit key encryption key (audit.keyFile)');
    const erasures = sql.erasures();
    if (erasures !== this.#erasures) {
      this.#keys.clear();
      this.#erasures = erasures;
    }
    const wanted = new Map<string, Buffer>();
    for (const p of needing) {
      for (const s of p.subjects ? setKeys(p.subjects.keys) : [NO_SUBJECT]) {
        const k = s.toString('hex');
        if (!this.#keys.has(k)) wanted.set(k, s);
      }
    }
    if (wanted.size > 0) this.#loadKeys([...wanted.values()], kek);
    for (const p of needing) {
      const keys = (p.subjects ? setKeys(p.subjects.keys) : [NO_SUBJECT]).map(
        (s) => this.#keys.get(s.toString('hex')) as SubjectKey,
      );
      p.raw = sealPayload(p.rawPlain as Buffer, keys);
      p.rawPlain = null;
    }
  }

  #loadKeys(subjects: Buffer[], kek: Buffer): void {
    const { sql } = this.#o;
    const found = (): void => {
      for (const row of sql.keysForSubjects(subjects)) {
        if (row.subject)
          this.#keys.set(row.subject.toString('hex'), unwrapSubjectKey(kek, row.keyId, row.wrapped));
      }
    };
    found();
    const missing = subjects.filter((s) => !this.#keys.has(s.toString('hex')));
    if (missing.length === 0) return;
    // Created in a short transaction of their own, re-reading first: another writer may have won.
    sql.appending(() => {
      const existing = new Set(sql.keysForSubjects(missing).map((r) => r.subject?.toString('hex')));
      for (const s of missing) {
        if (existing.has(s.toString('hex'))) continue;
        const { wrapped, key } = newSubjectKey(kek);
        sql.insertSubjectKey({ keyId: key.keyId, subject: s, wrapped, createdAt: this.#now() });
      }
    });
    found();
  }
}

function toBuffer(d: Uint8Array | string): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * The blind-index keys of an exchange: the keyed hashes of every identifier found in it, request
 * and answer. Secrets are not people, so they are not indexed.
 */
function subjectKeys(
  fromAnswer: readonly Buffer[],
  ...lists: readonly Finding[][]
): { keys: Buffer; count: number } | null {
  const hex: string[] = [];
  for (const list of lists) for (const f of list) if (f.type !== 'SECRET') hex.push(f.valueHash);
  return subjectSet(hex, fromAnswer);
}

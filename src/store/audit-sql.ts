import type Database from 'better-sqlite3';
import { createFolder, postingDone, type SetRow } from './subject-fold.ts';
import { postingSeqs, SUBJECT_BUCKET, setHas, setWithout } from './subject-sets.ts';

// The audit trail's SQL (docs/audit.md): the chain of events, their payloads, the Merkle nodes,
// signed checkpoints, the blind index and the per-subject keys. One writer appends inside an
// IMMEDIATE transaction, so the database is the single sequencer even when a CLI process appends
// beside a running gateway; readers run beside it (WAL).

/** One row of the chain, as stored. `body` is the exact text the leaf hash covers. */
export interface AuditEventRow {
  seq: number;
  id: string;
  kind: string;
  at: number;
  server: string | null;
  caller: string | null;
  method: string | null;
  name: string | null;
  sessionId: string | null;
  outcome: string | null;
  body: string;
  leafHash: Buffer;
  chainHash: Buffer;
}

export interface AuditPayloadRow {
  seq: number;
  masked: Buffer | null;
  raw: Buffer | null;
  prunedAt: number | null;
}

export interface CheckpointRow {
  size: number;
  at: number;
  rootHash: Buffer;
  note: string;
}

export interface SubjectKeyRow {
  keyId: Buffer;
  subject: Buffer | null;
  wrapped: Buffer;
  createdAt: number;
}

export interface ApprovalEventRow {
  seq: number;
  approvalId: string;
  kind: string;
  at: number;
  actor: string | null;
  detail: string | null;
  /** The request's server and tool, for the chained event's search columns. */
  server: string | null;
  name: string | null;
}

export interface AuditSearch {
  caller?: string | undefined;
  server?: string | undefined;
  /** Tool, prompt or resource name. */
  name?: string | undefined;
  method?: string | undefined;
  kind?: string | undefined;
  sessionId?: string | undefined;
  /** ms since epoch, inclusive / exclusive. */
  since?: number | undefined;
  until?: number | undefined;
  /** Blind-index keys: events that touched any of these subjects. */
  subjects?: readonly Buffer[] | undefined;
  /** Events after this seq (the cursor of the previous page). */
  after?: number | undefined;
  limit?: number | undefined;
}

const EVENT_COLUMNS = `seq, id, kind, at, server, caller, method, name, session_id AS sessionId, outcome,
  body, leaf_hash AS leafHash, chain_hash AS chainHash`;

export interface AuditSql {
  /** Runs `fn` holding the write lock from its first statement (BEGIN IMMEDIATE). */
  appending<T>(fn: () => T): T;
  /** The number of events and the chain hash of the last one (32 zero bytes for none). */
  tip(): { size: number; chainHash: Buffer };
  /**
   * Changes whenever the chain's tip or its checkpoints may have changed since it was last read:
   * another connection committed (SQLite's `PRAGMA data_version`), or an event or a checkpoint was
   * inserted on this connection, by any AuditSql over it. Cheap: no table is read.
   */
  chainStamp(): ChainStamp;
  insertEvent(row: AuditEventRow): void;
  insertPayload(seq: number, masked: Buffer | null, raw: Buffer | null): void;
  /** The event's blind-index keys: a subject set (src/store/subject-sets.ts). */
  insertSubjectSet(seq: number, keys: Buffer): void;
  /**
   * Folds the complete buckets of a store of `size` events into the search index and the blind
   * index's postings, a step at a time, for about `budgetMs` per bucket owed (src/store/subject-fold.ts).
   * Inside the append transaction. Returns whether every complete bucket is folded.
   */
  fold(size: number, budgetMs: number): boolean;
  /**
   * The gateway's fold, paced (src/store/subject-fold.ts, `foldPaced`), in a transaction of its own
   * committed without a sync (WAL, synchronous=NORMAL for it): the next synced commit makes it
   * durable, and lost in a crash it is done again. Returns whether steps are still due.
   */
  foldUnsynced(size: number, budgetMs: number): boolean;
  /** Whether `foldUnsynced` has anything to do; from memory, without a query, most of the time. */
  foldDue(size: number): boolean;
  /** Buckets folded, and the step the next one is at (0: not started). */
  foldProgress(): { folded: number; step: number };
  insertNode(level: number, idx: number, hash: Buffer): void;
  leafHashes(start: number, end: number): Buffer[];
  storedNode(level: number, idx: number): Buffer | undefined;
  latestCheckpoint(): CheckpointRow | undefined;
  checkpointAt(size: number): CheckpointRow | undefined;
  insertCheckpoint(row: CheckpointRow): void;
  checkpoints(): CheckpointRow[];
  keysForSubjects(subjects: readonly Buffer[]): SubjectKeyRow[];
  keysById(ids: readonly Buffer[]): SubjectKeyRow[];
  insertSubjectKey(row: SubjectKeyRow): void;
  /** Deletes the subjects' keys (crypto-shredding); returns how many there were. */
  deleteSubjectKeys(subjects: readonly Buffer[]): number;
  /** Bumped on every erasure, so a writer knows its cache of subject keys is stale. */
  erasures(): number;
  bumpErasures(): void;
  /** A write that changes nothing that matters: proves the store can commit. */
  touch(): void;
  /** The approval lifecycle log after `seq` (issue 5), which the writer mirrors into the chain. */
  approvalEventsAfter(seq: number, limit: number): ApprovalEventRow[];
  /** The newest approval event's seq (0: none), a cheap check before reading the log. */
  lastApprovalEventSeq(): number;
  /** How far the approval log has been mirrored into the chain. */
  mirroredApprovalSeq(): number;
  setMirroredApprovalSeq(seq: number): void;
  search(q: AuditSearch): AuditEventRow[];
  eventsById(id: string): AuditEventRow[];
  event(seq: number): AuditEventRow | undefined;
  /** Events in seq order from `from` (inclusive), streamed. */
  iterate(from: number, to?: number): IterableIterator<AuditEventRow>;
  payload(seq: number): AuditPayloadRow | undefined;
  /** Payload hashes are checked by verify; streamed beside `iterate`. */
  iteratePayloads(from: number): IterableIterator<AuditPayloadRow>;
  subjectSeqs(subjects: readonly Buffer[]): number[];
  /**
   * Removes the subjects from the blind index; returns how many (subject, event) entries went.
   * Inside the erasure's transaction.
   */
  deleteSubjectIndex(subjects: readonly Buffer[]): number;
  /** Deletes masked/raw payloads of `server`'s events received before `before`. */
  prunePayloads(server: string, before: number, what: 'masked' | 'raw' | 'both', at: number): number;
  /** Deletes the payloads of these events (erasure with --prune-masked). */
  prunePayloadsOf(seqs: readonly number[], at: number): number;
  count(): number;
  /** Folds the write-ahead log into the database file and truncates it: deleted key material leaves the log. */
  compact(): void;
}

const ZERO_HASH = Buffer.alloc(32);

/** See `AuditSql.chainStamp`; equal stamps mean nothing was appended or checkpointed in between. */
export interface ChainStamp {
  readonly dataVersion: number;
  readonly chainWrites: number;
}

export const sameChainStamp = (a: ChainStamp, b: ChainStamp): boolean =>
  a.dataVersion === b.dataVersion && a.chainWrites === b.chainWrites;

/** Per connection: events and checkpoints inserted on it (whichever AuditSql over it inserted them). */
const chainWrites = new WeakMap<Database.Database, { n: number }>();

export function createAuditSql(db: Database.Database): AuditSql {
  const tipStmt = db.prepare(
    'SELECT seq, chain_hash AS chainHash FROM audit_events ORDER BY seq DESC LIMIT 1',
  );
  const dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
  const written = chainWrites.get(db) ?? { n: 0 };
  chainWrites.set(db, written);
  // Positional parameters: binding by name looks each one up on the row (~1 µs more per event).
  const insertEventStmt = db.prepare(
    `INSERT INTO audit_events (seq, id, kind, at, server, caller, method, name, session_id, outcome, body, leaf_hash, chain_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertPayloadStmt = db.prepare('INSERT INTO audit_payloads (seq, masked, raw) VALUES (?, ?, ?)');
  const insertSetStmt = db.prepare('INSERT OR REPLACE INTO audit_subject_sets (seq, keys) VALUES (?, ?)');
  const setsStmt = db.prepare(
    'SELECT seq, keys FROM audit_subject_sets WHERE seq >= ? AND seq < ? ORDER BY seq',
  );
  const updateSetStmt = db.prepare('UPDATE audit_subject_sets SET keys = ? WHERE seq = ?');
  const deleteSetStmt = db.prepare('DELETE FROM audit_subject_sets WHERE seq = ?');
  const postingsStmt = db.prepare('SELECT bucket, offsets FROM audit_subject_postings WHERE subject = ?');
  const deletePostingsStmt = db
    .prepare('DELETE FROM audit_subject_postings WHERE subject = ? RETURNING length(offsets)')
    .pluck();
  const insertNodeStmt = db.prepare('INSERT OR REPLACE INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
  const leafStmt = db
    .prepare('SELECT leaf_hash FROM audit_events WHERE seq >= ? AND seq < ? ORDER BY seq')
    .pluck();
  const nodeStmt = db.prepare('SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?').pluck();
  const cpColumns = 'size, at, root_hash AS rootHash, note';
  const latestCpStmt = db.prepare(`SELECT ${cpColumns} FROM audit_checkpoints ORDER BY size DESC LIMIT 1`);
  const cpAtStmt = db.prepare(`SELECT ${cpColumns} FROM audit_checkpoints WHERE size = ?`);
  const cpAllStmt = db.prepare(`SELECT ${cpColumns} FROM audit_checkpoints ORDER BY size`);
  const insertCpStmt = db.prepare(
    'INSERT OR IGNORE INTO audit_checkpoints (size, at, root_hash, note) VALUES (@size, @at, @rootHash, @note)',
  );
  const keyColumns = 'key_id AS keyId, subject, wrapped, created_at AS createdAt';
  const keyBySubjectStmt = db.prepare(`SELECT ${keyColumns} FROM subject_keys WHERE subject = ?`);
  const keyByIdStmt = db.prepare(`SELECT ${keyColumns} FROM subject_keys WHERE key_id = ?`);
  const insertKeyStmt = db.prepare(
    'INSERT INTO subject_keys (key_id, subject, wrapped, created_at) VALUES (@keyId, @subject, @wrapped, @createdAt)',
  );
  const deleteKeyStmt = db.prepare('DELETE FROM subject_keys WHERE subject = ?');
  const erasuresStmt = db.prepare("SELECT value FROM audit_meta WHERE name = 'erasures'").pluck();
  const bumpStmt = db.prepare("UPDATE audit_meta SET value = value + 1 WHERE name = 'erasures'");
  const touchStmt = db.prepare("UPDATE audit_meta SET value = value + 1 WHERE name = 'probe'");
  const approvalEventsStmt = db.prepare(
    `SELECT e.seq, e.approval_id AS approvalId, e.kind, e.at, e.actor, e.detail, a.server, a.name
     FROM approval_events e LEFT JOIN approvals a ON a.id = e.approval_id
     WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
  );
  const lastApprovalStmt = db.prepare('SELECT coalesce(max(seq), 0) FROM approval_events').pluck();
  const mirroredStmt = db.prepare("SELECT value FROM audit_meta WHERE name = 'approval_seq'").pluck();
  const setMirroredStmt = db.prepare(
    "INSERT OR REPLACE INTO audit_meta (name, value) VALUES ('approval_seq', ?)",
  );
  // The unfolded tail starts here: events from it on are not in audit_search yet.
  const TAIL = `(SELECT value * ${SUBJECT_BUCKET} FROM audit_meta WHERE name = 'folded')`;
  const byIdStmt = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM audit_events
     WHERE seq IN (SELECT seq FROM audit_search WHERE id = @id
                   UNION ALL SELECT seq FROM audit_events WHERE seq >= ${TAIL} AND id = @id)
     ORDER BY seq`,
  );
  const bySeqStmt = db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq = ?`);
  const iterStmt = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq >= ? AND seq < ? ORDER BY seq`,
  );
  const payloadColumns = 'seq, masked, raw, pruned_at AS prunedAt';
  const payloadStmt = db.prepare(`SELECT ${payloadColumns} FROM audit_payloads WHERE seq = ?`);
  const iterPayloadStmt = db.prepare(
    `SELECT ${payloadColumns} FROM audit_payloads WHERE seq >= ? ORDER BY seq`,
  );
  const countStmt = db.prepare('SELECT count(*) FROM audit_events').pluck();
  const pruneSql = {
    masked: 'masked = NULL',
    raw: 'raw = NULL',
    both: 'masked = NULL, raw = NULL',
  } as const;
  const pruneWhere = {
    masked: 'masked IS NOT NULL',
    raw: 'raw IS NOT NULL',
    both: '(masked IS NOT NULL OR raw IS NOT NULL)',
  } as const;
  const pruneStmts = {
    masked: prune('masked'),
    raw: prune('raw'),
    both: prune('both'),
  };
  function prune(what: 'masked' | 'raw' | 'both') {
    return db.prepare(
      `UPDATE audit_payloads SET ${pruneSql[what]}, pruned_at = @at
       WHERE ${pruneWhere[what]} AND seq IN (
         SELECT seq FROM audit_search WHERE server = @server AND at < @before
         UNION ALL
         SELECT seq FROM audit_events WHERE seq >= ${TAIL} AND server = @server AND at < @before)`,
    );
  }
  const pruneSeqStmt = db.prepare(
    'UPDATE audit_payloads SET masked = NULL, raw = NULL, pruned_at = ? WHERE seq = ? AND (masked IS NOT NULL OR raw IS NOT NULL)',
  );

  const erasures = (): number => erasuresStmt.get() as number;
  const folder = createFolder(db, { erasures, sets: (from, to) => setsStmt.all(from, to) as SetRow[] });
  const appendTx = db.transaction((fn: () => unknown) => fn());
  const readTx = db.transaction((fn: () => unknown) => fn());
  const folded = (): number => folder.folded();
  /** Events of the index that touched any of the subjects: postings, then the sets not folded yet. */
  const subjectSeqs = (subjects: readonly Buffer[]): number[] =>
    readTx.deferred(() => {
      const seqs = new Set<number>();
      for (const s of subjects)
        for (const row of postingsStmt.all(s) as { bucket: number; offsets: Buffer }[])
          for (const seq of postingSeqs(row.bucket, row.offsets)) seqs.add(seq);
      for (const row of setsStmt.iterate(
        folded() * SUBJECT_BUCKET,
        Number.MAX_SAFE_INTEGER,
      ) as IterableIterator<SetRow>)
        if (subjects.some((s) => setHas(row.keys, s))) seqs.add(row.seq);
      return [...seqs].sort((a, b) => a - b);
    }) as number[];

  return {
    appending<T>(fn: () => T): T {
      try {
        return appendTx.immediate(fn) as T;
      } catch (err) {
        // What the fold read in this transaction may have been written in it too, and is gone.
        folder.reset();
        throw err;
      }
    },
    tip() {
      const row = tipStmt.get() as { seq: number; chainHash: Buffer } | undefined;
      return row ? { size: row.seq + 1, chainHash: row.chainHash } : { size: 0, chainHash: ZERO_HASH };
    },
    chainStamp: () => ({ dataVersion: dataVersionStmt.get() as number, chainWrites: written.n }),
    insertEvent(r) {
      written.n++;
      insertEventStmt.run(
        r.seq,
        r.id,
        r.kind,
        r.at,
        r.server,
        r.caller,
        r.method,
        r.name,
        r.sessionId,
        r.outcome,
        r.body,
        r.leafHash,
        r.chainHash,
      );
    },
    insertPayload: (seq, masked, raw) => void insertPayloadStmt.run(seq, masked, raw),
    insertSubjectSet: (seq, keys) => void insertSetStmt.run(seq, keys),
    fold: (size, budgetMs) => folder.fold(size, budgetMs),
    foldUnsynced(size, budgetMs) {
      const synchronous = db.pragma('synchronous', { simple: true }) as number;
      db.pragma('synchronous = NORMAL');
      try {
        return this.appending(() => folder.foldPaced(size, budgetMs));
      } finally {
        db.pragma(`synchronous = ${synchronous}`);
      }
    },
    foldDue: (size) => folder.due(size),
    foldProgress: () => folder.progress(),
    insertNode: (level, idx, hash) => void insertNodeStmt.run(level, idx, hash),
    leafHashes: (start, end) => leafStmt.all(start, end) as Buffer[],
    storedNode: (level, idx) => nodeStmt.get(level, idx) as Buffer | undefined,
    latestCheckpoint: () => latestCpStmt.get() as CheckpointRow | undefined,
    checkpointAt: (size) => cpAtStmt.get(size) as CheckpointRow | undefined,
    insertCheckpoint(row) {
      written.n++;
      insertCpStmt.run(row);
    },
    checkpoints: () => cpAllStmt.all() as CheckpointRow[],
    keysForSubjects(subjects) {
      const out: SubjectKeyRow[] = [];
      for (const s of subjects) {
        const row = keyBySubjectStmt.get(s) as SubjectKeyRow | undefined;
        if (row) out.push(row);
      }
      return out;
    },
    keysById(ids) {
      const out: SubjectKeyRow[] = [];
      for (const id of ids) {
        const row = keyByIdStmt.get(id) as SubjectKeyRow | undefined;
        if (row) out.push(row);
      }
      return out;
    },
    insertSubjectKey: (row) => void insertKeyStmt.run(row),
    deleteSubjectKeys(subjects) {
      let n = 0;
      for (const s of subjects) n += deleteKeyStmt.run(s).changes;
      return n;
    },
    erasures,
    bumpErasures: () => void bumpStmt.run(),
    touch: () => void touchStmt.run(),
    approvalEventsAfter: (seq, limit) => approvalEventsStmt.all(seq, limit) as ApprovalEventRow[],
    lastApprovalEventSeq: () => lastApprovalStmt.get() as number,
    mirroredApprovalSeq: () => (mirroredStmt.get() as number | undefined) ?? 0,
    setMirroredApprovalSeq: (seq) => void setMirroredStmt.run(seq),
    search(q) {
      // Filters on the indexed columns narrow audit_search (folded events); the unfolded tail
      // joins them unfiltered, and every filter then applies to the chain's own columns.
      const indexed: string[] = [];
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: Math.max(q.limit ?? 100, 1) };
      const eq = (col: string, key: keyof AuditSearch, inIndex: boolean): void => {
        const v = q[key];
        if (v === undefined) return;
        where.push(`${col} = @${key}`);
        if (inIndex) indexed.push(`${col} = @${key}`);
        params[key] = v;
      };
      eq('caller', 'caller', true);
      eq('server', 'server', true);
      eq('name', 'name', true);
      eq('method', 'method', false);
      eq('kind', 'kind', false);
      eq('session_id', 'sessionId', true);
      const both = (clause: string, key: string, v: unknown): void => {
        if (v === undefined) return;
        where.push(clause);
        indexed.push(clause);
        params[key] = v;
      };
      both('at >= @since', 'since', q.since);
      both('at < @until', 'until', q.until);
      both('seq > @after', 'after', q.after);
      if (q.subjects !== undefined) {
        if (q.subjects.length === 0) return [];
        params.seqs = JSON.stringify(subjectSeqs(q.subjects));
        where.push('seq IN (SELECT value FROM json_each(@seqs))');
      }
      if (indexed.length > 0)
        where.push(
          `seq IN (SELECT seq FROM audit_search WHERE ${indexed.join(' AND ')}
           UNION ALL SELECT seq FROM audit_events WHERE seq >= ${TAIL})`,
        );
      const sql = `SELECT ${EVENT_COLUMNS} FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT @limit`;
      return readTx.deferred(() => db.prepare(sql).all(params)) as AuditEventRow[];
    },
    eventsById: (id) => byIdStmt.all({ id }) as AuditEventRow[],
    event: (seq) => bySeqStmt.get(seq) as AuditEventRow | undefined,
    iterate: (from, to = Number.MAX_SAFE_INTEGER) =>
      iterStmt.iterate(from, to) as IterableIterator<AuditEventRow>,
    payload: (seq) => payloadStmt.get(seq) as AuditPayloadRow | undefined,
    iteratePayloads: (from) => iterPayloadStmt.iterate(from) as IterableIterator<AuditPayloadRow>,
    subjectSeqs,
    deleteSubjectIndex(subjects) {
      let n = 0;
      for (const s of subjects) for (const entries of deletePostingsStmt.all(s) as number[]) n += entries;
      // The fold's progress, once: inside this transaction no fold step runs.
      const at = folder.progress();
      const sets = setsStmt.all(at.folded * SUBJECT_BUCKET, Number.MAX_SAFE_INTEGER) as SetRow[];
      for (const row of sets) {
        const held = subjects.filter((s) => setHas(row.keys, s));
        if (held.length === 0) continue;
        // In a bucket being folded, a subject whose postings are in already was counted there.
        const bucket = Math.floor(row.seq / SUBJECT_BUCKET);
        n += held.filter((s) => !postingDone(at, bucket, s)).length;
        const kept = setWithout(row.keys, subjects);
        if (kept) updateSetStmt.run(kept, row.seq);
        else deleteSetStmt.run(row.seq);
      }
      return n;
    },
    prunePayloads: (server, before, what, at) => pruneStmts[what].run({ server, before, at }).changes,
    prunePayloadsOf(seqs, at) {
      let n = 0;
      for (const seq of seqs) n += pruneSeqStmt.run(at, seq).changes;
      return n;
    },
    count: () => countStmt.get() as number,
    compact: () => void db.pragma('wal_checkpoint(TRUNCATE)'),
  };
}

import type { AuditPayloadRow, AuditSql, CheckpointRow } from '../store/index.ts';
import { openCheckpoint } from './checkpoint.ts';
import { columnsOfBody } from './event.ts';
import { chainNext, hashLeafText, MerkleAppender, rootAt, sha256 } from './merkle.ts';
import type { NoteVerifier } from './signed-note.ts';

// `custos audit verify`: recomputes the whole trail from its rows and names the first sequence
// number that does not hold. Checked, event by event: the sequence has no gap; the stored body
// hashes to the stored leaf hash and names its own seq (a reordered row fails); the search columns
// say what the body says; the chain hash follows from the previous one; the payloads still there
// hash to what the body recorded; the Merkle nodes kept for proofs equal the ones recomputed from
// the leaves; and at every checkpoint the recomputed root equals the signed one, whose signature
// must verify under the log's key. A trail shorter than its latest checkpoint was truncated.

export interface VerifyOptions {
  /** Keys whose signatures count (the log's own, and any the operator pins). */
  verifiers: readonly NoteVerifier[];
  origin?: string | undefined;
  /** Start at this checkpoint's size instead of 0: trust its signed root, verify what follows. */
  fromCheckpoint?: number | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface VerifyProblem {
  /** The first sequence number that does not hold (for a bad checkpoint: its size). */
  seq: number;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Events checked. */
  events: number;
  from: number;
  checkpoints: number;
  payloadsChecked: number;
  /** Payloads deleted by retention or erasure (their hashes stay in the chain). */
  payloadsPruned: number;
  latest: { size: number; rootHash: string } | undefined;
  problem: VerifyProblem | undefined;
}

const ZERO = Buffer.alloc(32);

export function verifyTrail(sql: AuditSql, opts: VerifyOptions): VerifyReport {
  const total = sql.count();
  const cps = sql.checkpoints();
  const report: VerifyReport = {
    ok: false,
    events: 0,
    from: 0,
    checkpoints: 0,
    payloadsChecked: 0,
    payloadsPruned: 0,
    latest: undefined,
    problem: undefined,
  };
  const fail = (seq: number, reason: string): VerifyReport => {
    report.problem = { seq, reason };
    return report;
  };

  // Every checkpoint must be signed by a known key and say what its row says.
  const roots = new Map<number, Buffer>();
  for (const cp of cps) {
    const bad = checkCheckpoint(cp, opts);
    if (bad) return fail(cp.size, bad);
    roots.set(cp.size, cp.rootHash);
    report.checkpoints++;
  }

  let from = 0;
  let chain: Buffer = ZERO;
  let appender = new MerkleAppender(0, []);
  if (opts.fromCheckpoint !== undefined) {
    const root = roots.get(opts.fromCheckpoint);
    if (!root) return fail(opts.fromCheckpoint, `no checkpoint at size ${opts.fromCheckpoint}`);
    from = opts.fromCheckpoint;
    if (from > 0) {
      if (!rootAt(from, sql).equals(root))
        return fail(from - 1, `the stored tree does not match checkpoint ${from}`);
      appender = MerkleAppender.fromReader(from, sql);
      chain = sql.event(from - 1)?.chainHash ?? ZERO;
    }
  }
  report.from = from;

  const payloads = sql.iteratePayloads(from);
  try {
    return walk(sql, opts, report, roots, cps, { from, chain, appender, total }, payloads, fail);
  } finally {
    // Stopped early (a problem found), the payload cursor would keep its statement busy.
    payloads.return?.();
  }
}

interface Walk {
  from: number;
  chain: Buffer;
  appender: MerkleAppender;
  total: number;
}

function walk(
  sql: AuditSql,
  opts: VerifyOptions,
  report: VerifyReport,
  roots: ReadonlyMap<number, Buffer>,
  cps: readonly CheckpointRow[],
  w: Walk,
  payloads: IterableIterator<AuditPayloadRow>,
  fail: (seq: number, reason: string) => VerifyReport,
): VerifyReport {
  const { from, appender, total } = w;
  let { chain } = w;
  let nextPayload = payloads.next();
  let expected = from;
  for (const row of sql.iterate(from)) {
    if (row.seq !== expected)
      return fail(expected, row.seq > expected ? 'event missing (deleted row)' : 'duplicate sequence number');
    const leaf = hashLeafText(row.body);
    if (!leaf.equals(row.leafHash))
      return fail(row.seq, 'the event body does not match its leaf hash (altered)');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(row.body) as Record<string, unknown>;
    } catch {
      return fail(row.seq, 'the event body is not JSON');
    }
    if (body.seq !== row.seq)
      return fail(row.seq, `the event says it is #${String(body.seq)} (moved or inserted)`);
    const cols = columnsOfBody(body);
    if (
      cols.id !== row.id ||
      cols.kind !== row.kind ||
      cols.at !== row.at ||
      cols.server !== row.server ||
      cols.caller !== row.caller ||
      cols.method !== row.method ||
      cols.name !== row.name ||
      cols.sessionId !== row.sessionId ||
      cols.outcome !== row.outcome
    )
      return fail(row.seq, 'a search column disagrees with the event body (altered)');
    chain = chainNext(chain, leaf);
    if (!chain.equals(row.chainHash))
      return fail(row.seq, 'the chain hash does not follow from the previous event');
    for (const n of appender.append(leaf)) {
      const stored = sql.storedNode(n.level, n.index);
      if (stored && !stored.equals(n.hash))
        return fail(
          row.seq,
          `stored Merkle node ${n.level}/${n.index} is not what the leaves give (proofs would lie)`,
        );
    }
    // Payloads: what is still there must hash to what the event recorded.
    while (!nextPayload.done && nextPayload.value.seq < row.seq) nextPayload = payloads.next();
    const rec = body.recording as
      | { masked: { sha256: string } | null; raw: { sha256: string } | null }
      | null
      | undefined;
    if (!nextPayload.done && nextPayload.value.seq === row.seq) {
      const p = nextPayload.value;
      for (const [what, data, want] of [
        ['masked', p.masked, rec?.masked?.sha256],
        ['raw', p.raw, rec?.raw?.sha256],
      ] as const) {
        if (data === null) continue;
        if (want === undefined || sha256(data).toString('hex') !== want)
          return fail(row.seq, `the ${what} recording does not match the hash in its event (altered)`);
        report.payloadsChecked++;
      }
      if (p.prunedAt !== null) report.payloadsPruned++;
    } else if (rec?.masked || rec?.raw) {
      report.payloadsPruned++;
    }
    expected++;
    report.events++;
    const size = row.seq + 1;
    const signed = roots.get(size);
    if (signed && !appender.root().equals(signed))
      return fail(row.seq, `the tree of ${size} events does not have the root checkpoint ${size} signed`);
    if (opts.onProgress && report.events % 10_000 === 0) opts.onProgress(size, total);
  }
  const last = cps.at(-1);
  if (last && last.size > expected)
    return fail(
      expected,
      `checkpoint ${last.size} was signed, but the trail ends at ${expected} events (truncated)`,
    );
  report.latest = last ? { size: last.size, rootHash: last.rootHash.toString('hex') } : undefined;
  opts.onProgress?.(expected, total);
  report.ok = true;
  return report;
}

function checkCheckpoint(cp: CheckpointRow, opts: VerifyOptions): string | undefined {
  try {
    const { checkpoint } = openCheckpoint(
      cp.note,
      opts.verifiers,
      opts.origin === undefined ? {} : { origin: opts.origin },
    );
    if (checkpoint.size !== cp.size || !checkpoint.rootHash.equals(cp.rootHash))
      return `checkpoint ${cp.size}: its signed note says size ${checkpoint.size}, another root`;
    return undefined;
  } catch (err) {
    return `checkpoint ${cp.size}: ${(err as Error).message} (forged or signed by an unknown key)`;
  }
}

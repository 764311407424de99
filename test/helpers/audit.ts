import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ExchangeFacts } from '../../src/audit/event.ts';
import { ed25519Verifier, type NoteVerifier } from '../../src/audit/signed-note.ts';
import type { AuditWriter, CapturedRecording } from '../../src/audit/writer.ts';
import { buildWriter, type WriterSetup } from '../../src/audit/writer-setup.ts';
import { maskingConfigSchema } from '../../src/masking/config.ts';
import { type AuditSql, createAuditSql, prepareDatabase } from '../../src/store/index.ts';

/** A real trail in a temporary SQLite file, with its writer and the log's verifier. */
export interface TestTrail {
  readonly dir: string;
  readonly path: string;
  readonly db: Database.Database;
  readonly sql: AuditSql;
  readonly writer: AuditWriter;
  readonly setup: WriterSetup;
  readonly verifiers: NoteVerifier[];
  /** A second connection, as a tamperer (or another process) would have. */
  raw(): Database.Database;
  close(): void;
}

/**
 * `foldStepMs`: the writer's folding time per append (src/store/subject-fold.ts); by default a
 * bucket folds in the append that completes it, so what a test sees does not hang on timing.
 */
export function openTestTrail(
  opts: { checkpointEvery?: number; kek?: boolean; foldStepMs?: number } = {},
): TestTrail {
  const dir = mkdtempSync(join(tmpdir(), 'custos-audit-'));
  const path = join(dir, 'trail.db');
  const db = new Database(path);
  prepareDatabase(db);
  const { privateKey } = generateKeyPairSync('ed25519');
  const setup: WriterSetup = {
    path,
    masking: maskingConfigSchema.parse({}),
    recordingProfile: 'default',
    hmacKey: randomBytes(32),
    kek: opts.kek === false ? null : randomBytes(32),
    signingKey: privateKey.export({ format: 'jwk' }),
    origin: 'test.example/custos/audit',
    checkpointEvery: opts.checkpointEvery ?? 1000,
    checkpointIntervalMs: 3_600_000,
    checkpointFile: undefined,
    checkpointWebhook: undefined,
    foldStepMs: opts.foldStepMs ?? Number.POSITIVE_INFINITY,
  };
  const writer = buildWriter(setup, db);
  const others: Database.Database[] = [];
  return {
    dir,
    path,
    db,
    sql: createAuditSql(db),
    writer,
    setup,
    verifiers: [ed25519Verifier(setup.origin, createPublicKey(privateKey))],
    raw() {
      const c = new Database(path);
      others.push(c);
      return c;
    },
    close() {
      for (const c of others) c.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let n = 0;

/** The facts of an exchange, with fake values; override what a test is about. */
export function exchangeFacts(over: Partial<ExchangeFacts> = {}): ExchangeFacts {
  n++;
  const now = Date.now();
  return {
    kind: 'exchange',
    id: `ex-${n}-${randomBytes(4).toString('hex')}`,
    receivedAt: now,
    forwardedAt: now,
    answeredAt: now + 1,
    endedAt: now + 2,
    server: 'crm',
    era: 'legacy',
    protocolVersion: '2025-11-25',
    sessionId: 'sess-1',
    caller: 'demo:u-alice-0001',
    identity: {
      subject: 'demo:u-alice-0001',
      method: 'oidc',
      issuer: 'demo',
      user: 'alice',
      groups: ['support'],
      tokenId: null,
    },
    client: { name: 'test-client', version: '1', userAgent: null },
    method: 'tools/call',
    name: 'get_customer',
    calls: null,
    httpStatus: 200,
    outcome: 'ok',
    errorCode: null,
    durationUs: 1500,
    upstreamUs: 900,
    bytesIn: 100,
    bytesOut: 200,
    findings: null,
    masking: null,
    policyRule: null,
    policyEffect: null,
    approvalId: null,
    ...over,
  };
}

/** A tools/call recording: the request with `args`, a JSON answer with `text` — unmasked. */
export function toolRecording(
  args: Record<string, unknown>,
  text: string,
  over: Partial<CapturedRecording> = {},
): CapturedRecording {
  return {
    headers: {},
    body: Buffer.from(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_customer', arguments: args },
      }),
    ),
    status: 200,
    contentType: 'application/json',
    frames: [
      [
        800,
        Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } })),
      ],
    ],
    truncated: false,
    outMasked: false,
    profile: null,
    subjects: [],
    answerTypes: {},
    retainRaw: false,
    rawMessages: null,
    ...over,
  };
}

/**
 * One event row of the trail's shape with a placeholder body and hashes, and its subject set
 * (`keys` null: an answer without subjects): for what reads the store's rows, not the chain.
 */
export function insertBareEvent(sql: AuditSql, seq: number, keys: Buffer | null): void {
  sql.insertEvent({
    seq,
    id: `ev-${seq}`,
    kind: 'exchange',
    at: seq,
    server: 'crm',
    caller: 'demo:u-1',
    method: 'tools/call',
    name: 'export_customers',
    sessionId: null,
    outcome: 'ok',
    body: '{}',
    leafHash: Buffer.alloc(32),
    chainHash: Buffer.alloc(32),
  });
  if (keys) sql.insertSubjectSet(seq, keys);
}

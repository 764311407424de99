import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  type CompiledMasking,
  type CompiledProfile,
  compileMaskingConfig,
  recordingProfileOf,
} from '../masking/compile.ts';
import type { MaskingConfig } from '../masking/config.ts';
import { createAuditSql } from '../store/index.ts';
import { signCheckpoint } from './checkpoint.ts';
import { ed25519Signer } from './signed-note.ts';
import { AuditWriter } from './writer.ts';

// Everything the audit writer needs: where the store is, the keys (as bytes and a JWK, read once at
// boot), the masking configuration for recordings, and where checkpoints go.

export interface WriterSetup {
  /** The SQLite file (':memory:' only in-process). */
  path: string;
  masking: MaskingConfig;
  recordingProfile: string;
  hmacKey: Uint8Array;
  kek: Uint8Array | null;
  /** The checkpoint signing key, a private Ed25519 JWK. */
  signingKey: JsonWebKey;
  origin: string;
  checkpointEvery: number;
  checkpointIntervalMs: number;
  checkpointFile: string | undefined;
  checkpointWebhook: string | undefined;
  /** An append's time for folding per bucket owed (src/store/subject-fold.ts); Infinity: all at once. */
  foldStepMs?: number | undefined;
  /** Appends do not fold; the caller calls the writer's `fold()` (the gateway's sink). */
  foldApart?: boolean | undefined;
}

/**
 * The writer on `db`. `compiled`: masking profiles already compiled with the same key (the
 * gateway's), reused rather than compiled twice; otherwise they compile on first use.
 */
export function buildWriter(
  setup: WriterSetup,
  db: Database.Database,
  compiled?: CompiledMasking,
): AuditWriter {
  const keys = { hmacKey: Buffer.from(setup.hmacKey) };
  let profiles: { masking: CompiledMasking; recordingProfile: CompiledProfile } | undefined;
  const compile = (): NonNullable<typeof profiles> => {
    const masking = compiled ?? compileMaskingConfig(setup.masking, keys);
    return { masking, recordingProfile: recordingProfileOf(masking, setup.recordingProfile, keys) };
  };
  const signer = ed25519Signer(setup.origin, createPrivateKey({ key: setup.signingKey, format: 'jwk' }));
  return new AuditWriter({
    sql: createAuditSql(db),
    profiles: () => {
      profiles ??= compile();
      return profiles;
    },
    kek: setup.kek === null ? undefined : Buffer.from(setup.kek),
    signCheckpoint: (size, rootHash) => signCheckpoint({ origin: setup.origin, size, rootHash }, signer),
    checkpointEvery: setup.checkpointEvery,
    checkpointIntervalMs: setup.checkpointIntervalMs,
    foldStepMs: setup.foldStepMs,
    foldApart: setup.foldApart,
  });
}

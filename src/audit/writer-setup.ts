import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  type CompiledMasking,
  type CompiledProfile,
  compileMaskingConfig,
  compileProfile,
} from '../masking/compile.ts';
import { type MaskingConfig, profileSchema } from '../masking/config.ts';
import { createAuditSql } from '../store/index.ts';
import { signCheckpoint } from './checkpoint.ts';
import { ed25519Signer } from './signed-note.ts';
import { AuditWriter } from './writer.ts';

// Everything the audit writer needs, as plain data that can cross to the writer thread
// (workerData is a structured clone: keys travel as bytes and JWK, never through a file twice).

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
}

export function buildWriter(setup: WriterSetup, db: Database.Database): AuditWriter {
  // The single writer appends to several B-trees per event: an 8 MiB page cache keeps their hot
  // pages, and a larger write-ahead log before checkpointing lets one checkpoint carry many
  // batches' changes to the same index pages (the WAL is fsynced at every commit regardless).
  if (setup.path !== ':memory:') {
    db.pragma('cache_size = -8192');
    db.pragma('wal_autocheckpoint = 16384');
  }
  const keys = { hmacKey: Buffer.from(setup.hmacKey) };
  let profiles: { masking: CompiledMasking; recordingProfile: CompiledProfile } | undefined;
  const compile = (): NonNullable<typeof profiles> => {
    const masking = compileMaskingConfig(setup.masking, keys);
    const recordingProfile =
      masking.profiles.get(setup.recordingProfile) ??
      compileProfile(profileSchema.parse({}), keys, { name: setup.recordingProfile });
    return { masking, recordingProfile };
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
  });
}

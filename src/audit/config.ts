import * as z from 'zod';
import { durationSchema } from '../core/duration.ts';

// The audit trail's configuration (docs/audit.md, docs/config.md): top-level `audit`, and per
// server `servers.<name>.audit` (raw retention, retention periods, and the Article 30 facts the
// record of processing is generated from).

const fileName = z.string().min(1);

export const auditConfigSchema = z.strictObject({
  /**
   * `refuse` (default): when the store cannot write, requests are refused (503) and no answer
   * leaves unrecorded. `serve`: answers go out anyway and every lost event is logged as an error.
   */
  onStoreFailure: z.enum(['refuse', 'serve']).default('refuse'),
  /** The masking profile recordings get when their server has none (the built-in `default`). */
  recordingProfile: z.string().min(1).default('default'),
  /** Bytes of one exchange's recording kept; the rest is counted, not kept. */
  maxRecordingBytes: z
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** Ed25519 key signing checkpoints; created (0600) when missing. Default: beside the store. */
  signingKeyFile: fileName.optional(),
  /** 32-byte key encryption key wrapping the per-subject keys; created (0600) when missing. */
  keyFile: fileName.optional(),
  /** The checkpoint origin line (C2SP tlog-checkpoint): names this log. Default: custos/<host>. */
  origin: z
    .string()
    .regex(/^[^\s+]+$/, 'a log name without spaces or "+" (it is also the signing key\'s name)')
    .optional(),
  checkpoints: z
    .strictObject({
      /** A signed checkpoint every this many events … */
      every: z.int().positive().default(1000),
      /** … or this often while events arrive. */
      interval: durationSchema.default(60),
      /** Appended with every checkpoint, for an outside witness to collect. */
      file: fileName.optional(),
      /** POSTed every checkpoint (text/plain, the signed note). */
      webhook: z.url({ protocol: /^https?$/ }).optional(),
    })
    .default({ every: 1000, interval: 60 }),
  /** Groups whose members may read raw recordings (with a stated reason; the access is audited). */
  rawViewers: z.array(z.string().min(1)).default(['dpo']),
  /** Groups whose members may search and replay the trail through the admin API. */
  auditors: z.array(z.string().min(1)).default(['dpo', 'auditor']),
  /** Article 30(1)(a): the controller, its representative and data protection officer. */
  controller: z
    .strictObject({
      name: z.string().min(1),
      contact: z.string().min(1).optional(),
      representative: z.string().min(1).optional(),
      dpo: z.string().min(1).optional(),
    })
    .optional(),
  /** How often the gateway applies the servers' retention periods. */
  retentionInterval: durationSchema.default(3600),
});

export const serverAuditSchema = z.strictObject({
  /** Keep an encrypted unmasked copy (opened only by rawViewers; shredded on erasure). */
  retainRaw: z.boolean().default(false),
  retention: z
    .strictObject({
      /** After this, the masked recording is deleted (the event and its hashes stay). */
      masked: durationSchema.optional(),
      /** After this, the raw copy is deleted. */
      raw: durationSchema.optional(),
    })
    .default({}),
  /** Article 30(1)(b)–(g), as declared by the controller. */
  purposes: z.array(z.string().min(1)).default([]),
  legalBasis: z.string().min(1).optional(),
  dataSubjects: z.array(z.string().min(1)).default([]),
  recipients: z.array(z.string().min(1)).default([]),
  transfers: z
    .array(z.strictObject({ country: z.string().min(1), safeguard: z.string().min(1) }))
    .default([]),
});

export type AuditConfig = z.infer<typeof auditConfigSchema>;
export type ServerAuditConfig = z.infer<typeof serverAuditSchema>;

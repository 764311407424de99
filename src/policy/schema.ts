import * as z from 'zod';
import { durationSchema, parseDuration } from '../core/duration.ts';

// The policy file's shape (docs/policy.md). Strict objects everywhere: a misspelt key in a
// security rule silently ignored (`efect: deny`) is worse than a refusal to load.

/** `90s`, `15m`, `1h30m`, `2d` (or a number of seconds) → seconds. */
export { parseDuration };

const duration = durationSchema;

const nonEmpty = z.string().min(1, 'must not be empty');
const patterns = z.array(nonEmpty);

/** One of `subject`, `user`, `group`, or `attribute` + `equals` (a workload fact). */
const subjectEntry = z
  .strictObject({
    subject: nonEmpty.optional(),
    user: nonEmpty.optional(),
    group: nonEmpty.optional(),
    attribute: nonEmpty.optional(),
    equals: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    const kinds = [s.subject, s.user, s.group, s.attribute].filter((x) => x !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', message: 'exactly one of subject, user, group or attribute' });
    } else if ((s.attribute === undefined) !== (s.equals === undefined)) {
      ctx.addIssue({ code: 'custom', message: "'attribute' and 'equals' go together" });
    }
  });

const approval = z.strictObject({
  approvers: z.array(nonEmpty).min(1, 'name at least one approver group'),
  quorum: z.int().positive().default(1),
  timeout: duration.default(900),
  grantFor: duration.optional(),
  justification: z
    .strictObject({ argument: nonEmpty.optional(), header: nonEmpty.optional() })
    .refine((j) => j.argument !== undefined || j.header !== undefined, 'name an argument or a header')
    .optional(),
});

const rateLimit = z.strictObject({
  calls: z.int().positive(),
  per: duration,
  by: z.enum(['identity', 'identity+tool']).default('identity+tool'),
});

const RESERVED_IDS = new Set(['default-deny', 'protocol']);

const rule = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits, "-", "_", ".", ":" (max 128)')
      .refine((id) => !RESERVED_IDS.has(id), 'is reserved (the engine uses it for its own decisions)'),
    description: z.string().optional(),
    effect: z.enum(['allow', 'deny', 'approve']),
    subjects: z.array(subjectEntry).optional(),
    servers: patterns.optional(),
    methods: patterns.optional(),
    tools: patterns.optional(),
    prompts: patterns.optional(),
    resources: patterns.optional(),
    when: nonEmpty.optional(),
    dryRun: z.boolean().default(false),
    approval: approval.optional(),
    rateLimit: rateLimit.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.effect === 'approve' && r.approval === undefined) {
      ctx.addIssue({ code: 'custom', path: ['approval'], message: "required when effect is 'approve'" });
    }
    if (r.effect !== 'approve' && r.approval !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['approval'], message: "only for effect 'approve'" });
    }
    if (r.effect === 'deny' && r.rateLimit !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rateLimit'], message: 'a deny rule has nothing to rate-limit' });
    }
  });

export const policySchema = z.strictObject({
  version: z.literal(1).default(1),
  /** `allow`: initialize, ping, notifications and list methods pass unless a rule says otherwise. */
  protocolMethods: z.enum(['allow', 'policy']).default('allow'),
  rules: z.array(rule).default([]),
});

export type PolicyDocument = z.infer<typeof policySchema>;
export type RuleDocument = PolicyDocument['rules'][number];

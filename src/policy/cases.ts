// `custos policy test`: a table of expected decisions, run against a policy in the customer's CI.
// The table is data like the policy: strict schema, errors naming file and case.

import * as z from 'zod';
import { PARSE_ONCE } from '../core/parse-once.ts';
import type { AuthMethod, Identity } from '../identity/types.ts';
import { formatPath } from './compile.ts';
import { PolicyError } from './errors.ts';
import { evaluatePolicy } from './evaluate.ts';
import type { CompiledPolicy, Decision, Effect, PolicyInput } from './types.ts';

export interface CallerSpec {
  readonly subject: string;
  /** Defaults to the subject. */
  readonly user?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  readonly issuer?: string | undefined;
  readonly method?: AuthMethod | undefined;
}

/** An Identity for explaining and testing, as if a token had said these things. */
export function callerIdentity(c: CallerSpec): Identity {
  const colon = c.subject.indexOf(':');
  return {
    subject: c.subject,
    method: c.method ?? 'oidc',
    issuer: c.issuer ?? (colon > 0 ? c.subject.slice(0, colon) : 'test'),
    user: c.user ?? c.subject,
    groups: c.groups ?? [],
    scopes: c.scopes ?? [],
    attributes: c.attributes ?? {},
    audiences: [],
    tokenId: undefined,
    issuedAt: 0,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

const caller = z.union([
  z.string().min(1),
  z.strictObject({
    subject: z.string().min(1),
    user: z.string().min(1).optional(),
    groups: z.array(z.string()).optional(),
    scopes: z.array(z.string()).optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    issuer: z.string().min(1).optional(),
    method: z.enum(['none', 'oidc', 'kubernetes', 'github-actions', 'gateway']).optional(),
  }),
]);

const caseSchema = z
  .strictObject({
    name: z.string().optional(),
    as: caller,
    server: z.string().min(1),
    method: z.string().min(1).optional(),
    tool: z.string().min(1).optional(),
    prompt: z.string().min(1).optional(),
    resource: z.string().min(1).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    era: z.enum(['legacy', 'modern']).default('modern'),
    headers: z.record(z.string(), z.string()).optional(),
    now: z.iso.datetime({ offset: true }).optional(),
    expect: z.enum(['allow', 'deny', 'approve']),
    rule: z.string().min(1).optional(),
  })
  .refine((c) => [c.tool, c.prompt, c.resource].filter((x) => x !== undefined).length <= 1, {
    error: 'at most one of tool, prompt or resource',
  });

const casesSchema = z.union([z.array(caseSchema), z.strictObject({ cases: z.array(caseSchema) })]);

export type PolicyCase = z.infer<typeof caseSchema>;

export interface CaseResult {
  readonly index: number;
  readonly label: string;
  readonly ok: boolean;
  readonly expect: { readonly effect: Effect; readonly rule?: string };
  readonly got: Decision;
}

/** Validates a parsed cases file; throws PolicyError naming `source` and the case. */
export function parseCases(raw: unknown, source = 'cases'): PolicyCase[] {
  const r = casesSchema.safeParse(raw, PARSE_ONCE);
  if (!r.success) {
    // A union's issues name its branches; the array branch says it best for a list of cases.
    const issues = r.error.issues.flatMap((i) =>
      i.code === 'invalid_union' && Array.isArray(raw) ? (i.errors[0] ?? [i]) : [i],
    );
    throw new PolicyError(
      issues.map((i) => {
        const msg =
          i.code === 'unrecognized_keys'
            ? `unknown key ${i.keys.map((k) => `'${k}'`).join(', ')}`
            : i.message;
        return `${source}: ${formatPath(i.path)}: ${msg}`;
      }),
    );
  }
  return Array.isArray(r.data) ? r.data : r.data.cases;
}

/** Turns a case (or CLI flags of the same shape) into the engine's input. */
export function caseInput(c: Omit<PolicyCase, 'expect' | 'rule' | 'name'>): PolicyInput {
  const identity = callerIdentity(typeof c.as === 'string' ? { subject: c.as } : c.as);
  const method =
    c.method ??
    (c.prompt !== undefined ? 'prompts/get' : c.resource !== undefined ? 'resources/read' : 'tools/call');
  return {
    identity,
    server: c.server,
    method,
    name: c.tool ?? c.prompt ?? c.resource,
    args: c.args ?? {},
    era: c.era,
    headers: c.headers,
    now: c.now === undefined ? undefined : Date.parse(c.now),
  };
}

export function runPolicyCases(policy: CompiledPolicy, cases: readonly PolicyCase[]): CaseResult[] {
  return cases.map((c, index) => {
    const input = caseInput(c);
    const got = evaluatePolicy(policy, input);
    const ok = got.effect === c.expect && (c.rule === undefined || got.rule === c.rule);
    const who = input.identity.subject;
    const label =
      c.name ?? `${who} ${input.method}${input.name === undefined ? '' : ` ${input.name}`} on ${c.server}`;
    const expect = c.rule === undefined ? { effect: c.expect } : { effect: c.expect, rule: c.rule };
    return { index, label, ok, expect, got };
  });
}

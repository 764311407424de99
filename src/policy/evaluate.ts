// The per-request decision (docs/policy.md, "How rules combine"):
//
//   1. Only rules filed under the request's server and method are looked at (rule-index.ts).
//   2. Among matching rules that are not dry-run: deny overrides approve overrides allow; within
//      one effect the first in file order decides and is named.
//   3. Nothing matches: `default-deny`, except MCP housekeeping methods while
//      `protocolMethods: allow` (they pass as rule `protocol`).
//   4. A `when` that cannot be evaluated fails closed: it makes a deny or approve rule deny and an
//      allow rule not match, so an error is never more permissive than either value of the
//      condition — leaving out an argument cannot dodge a rule on it.
//   5. Rate limits: every matching enforced allow/approve rule's limit applies to an allow or
//      approve decision. Matching dry-run rules are listed, never enforced.

import { ERROR, RequestContext, YES } from './match.ts';
import type {
  CompiledPolicy,
  CompiledRule,
  Decision,
  DryRunMatch,
  PolicyInput,
  RateLimitSpec,
} from './types.ts';

/**
 * Methods that carry no tool, prompt or resource: the session's plumbing and the list methods —
 * and their 2026-07-28 counterparts: `server/discover` (what `initialize` was), the
 * `subscriptions/listen` notification stream, and the tasks extension's follow-ups to a call that
 * was already decided (`tasks/get|update|cancel` act on a task id that call returned; they start
 * nothing new).
 */
export const PROTOCOL_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'server/discover',
  'subscriptions/listen',
  'tasks/get',
  'tasks/update',
  'tasks/cancel',
]);

export function isProtocolMethod(method: string): boolean {
  return PROTOCOL_METHODS.has(method) || method.startsWith('notifications/');
}

const NO_DRY_RUN: readonly DryRunMatch[] = Object.freeze([]);

function ruleReason(rule: CompiledRule): string {
  return (
    rule.description ??
    `rule '${rule.id}' ${rule.effect === 'approve' ? 'requires approval' : `${rule.effect}s`}`
  );
}

function target(input: PolicyInput): string {
  return input.name === undefined
    ? `${input.method} on '${input.server}'`
    : `${input.method} '${input.name}' on '${input.server}'`;
}

/** Decides one request. Pure: no I/O, no clock unless `input.now` is absent. */
export function evaluatePolicy(policy: CompiledPolicy, input: PolicyInput): Decision {
  const bucket = policy.bucketFor(input.server, input.method);
  const ctx = new RequestContext(input, input.now ?? Date.now());
  const dryRun = bucket.dryRun.length === 0 ? NO_DRY_RUN : collectDryRun(bucket.dryRun, ctx);

  for (const r of bucket.deny) {
    const o = ctx.test(r);
    if (o === YES) return { effect: 'deny', rule: r.id, reason: ruleReason(r), dryRun };
    if (o === ERROR) return failedClosed(r, ctx, dryRun);
  }
  let decider: CompiledRule | undefined;
  for (const r of bucket.approve) {
    const o = ctx.test(r);
    if (o === ERROR) return failedClosed(r, ctx, dryRun);
    if (o === YES && decider === undefined) decider = r;
  }
  if (decider === undefined) {
    let allowError = '';
    for (const r of bucket.allow) {
      const o = ctx.test(r);
      if (o === YES) {
        decider = r;
        break;
      }
      if (o === ERROR && allowError === '') allowError = `; rule '${r.id}' did not apply: ${ctx.error}`;
    }
    if (decider === undefined) {
      if (policy.protocolMethods === 'allow' && isProtocolMethod(input.method)) {
        return {
          effect: 'allow',
          rule: 'protocol',
          reason: `${input.method} is an MCP protocol method`,
          dryRun,
        };
      }
      return {
        effect: 'deny',
        rule: 'default-deny',
        reason: `no rule allows ${target(input)}${allowError}`,
        dryRun,
      };
    }
  }
  const rateLimits = collectRateLimits(bucket.limited, decider, ctx);
  const decision: {
    -readonly [K in keyof Decision]: Decision[K];
  } = { effect: decider.effect, rule: decider.id, reason: ruleReason(decider), dryRun };
  if (decider.approval !== undefined) decision.approval = decider.approval;
  if (rateLimits !== undefined) decision.rateLimits = rateLimits;
  return decision;
}

function failedClosed(rule: CompiledRule, ctx: RequestContext, dryRun: readonly DryRunMatch[]): Decision {
  return {
    effect: 'deny',
    rule: rule.id,
    reason: `rule '${rule.id}' could not be evaluated, failing closed: ${ctx.error}`,
    dryRun,
  };
}

function collectRateLimits(
  limited: readonly CompiledRule[],
  decider: CompiledRule,
  ctx: RequestContext,
): readonly RateLimitSpec[] | undefined {
  if (limited.length === 0) return undefined;
  const out: RateLimitSpec[] = [];
  for (const r of limited) {
    if (r.rateLimit !== undefined && (r === decider || ctx.test(r) === YES)) out.push(r.rateLimit);
  }
  return out.length === 0 ? undefined : out;
}

function collectDryRun(rules: readonly CompiledRule[], ctx: RequestContext): readonly DryRunMatch[] {
  const out: DryRunMatch[] = [];
  for (const r of rules) {
    const o = ctx.test(r);
    if (o === YES) out.push({ rule: r.id, effect: r.effect });
    // Same fail-closed reading as enforced rules: an erroring allow rule would not apply.
    else if (o === ERROR && r.effect !== 'allow') out.push({ rule: r.id, effect: 'deny', error: ctx.error });
  }
  return out.length === 0 ? NO_DRY_RUN : out;
}

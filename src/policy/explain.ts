// `custos policy explain`: the decision plus, for every rule in file order, whether it matched
// and if not, the first thing that excluded it. Not on the hot path: it walks all rules.

import { evaluatePolicy } from './evaluate.ts';
import { ERROR, kindOf, RequestContext, staticMismatch, YES } from './match.ts';
import type { CompiledPolicy, CompiledRule, Decision, Effect, PolicyInput } from './types.ts';

export interface RuleTrace {
  readonly rule: string;
  readonly effect: Effect;
  readonly dryRun: boolean;
  readonly outcome: 'matched' | 'skipped' | 'error';
  /** Why it matched or which field excluded it. */
  readonly why: string;
  /** This rule made the decision. */
  readonly decided: boolean;
}

export interface Explanation {
  readonly decision: Decision;
  readonly rules: readonly RuleTrace[];
}

const list = (xs: Iterable<string>): string => `[${[...xs].join(', ')}]`;

function whySkipped(rule: CompiledRule, field: string, input: PolicyInput): string {
  switch (field) {
    case 'servers':
      return `server '${input.server}' is not in servers ${list(rule.servers?.patterns ?? [])}`;
    case 'methods':
      return `method '${input.method}' is not in methods ${list(rule.methods?.patterns ?? [])}`;
    case 'names': {
      const kind = kindOf(input.method);
      if (kind === undefined)
        return `the rule names tools/prompts/resources; ${input.method} has no such name`;
      const globs = rule.names?.[kind];
      if (!globs) return `the rule names no ${kind}`;
      if (input.name === undefined) return `no ${kind} name given`;
      return `'${input.name}' is not in ${kind} ${list(globs.patterns)}`;
    }
    default: {
      const id = input.identity;
      const s = rule.subjects;
      const wanted = [
        ...[...(s?.subjects ?? [])].map((x) => `subject ${x}`),
        ...[...(s?.users ?? [])].map((x) => `user ${x}`),
        ...[...(s?.groups ?? [])].map((x) => `group ${x}`),
        ...(s?.attributes ?? []).map(([k, v]) => `${k}=${v}`),
      ];
      return `${id.subject} (groups ${list(id.groups)}) is not one of ${list(wanted)}`;
    }
  }
}

export function explainPolicy(policy: CompiledPolicy, input: PolicyInput): Explanation {
  const now = input.now ?? Date.now();
  const fixed = { ...input, now };
  const decision = evaluatePolicy(policy, fixed);
  const ctx = new RequestContext(fixed, now);
  const rules = policy.rules.map((r): RuleTrace => {
    const base = {
      rule: r.id,
      effect: r.effect,
      dryRun: r.dryRun,
      decided: !r.dryRun && decision.rule === r.id,
    };
    const field = staticMismatch(r, input.identity, input.server, input.method, input.name);
    if (field !== undefined) return { ...base, outcome: 'skipped', why: whySkipped(r, field, input) };
    if (r.when === null)
      return { ...base, outcome: 'matched', why: 'server, method, name and subject match' };
    const o = ctx.condition(r.when);
    if (o === YES) return { ...base, outcome: 'matched', why: `when is true: ${r.when.source}` };
    if (o === ERROR) {
      const effect = r.effect === 'allow' ? 'does not apply' : 'denies (fails closed)';
      return { ...base, outcome: 'error', why: `when failed, so the rule ${effect}: ${ctx.error}` };
    }
    return { ...base, outcome: 'skipped', why: `when is false: ${r.when.source}` };
  });
  return { decision, rules };
}

// Finds the rules that can apply to a (server, method) pair without looking at the others: a
// rule naming plain servers or methods is filed only under those names; a rule with globs (or
// none) is filed everywhere and its globs are checked per request. Unknown servers and methods
// share one `other` key, so the memo below holds at most (servers named + 1) × (methods named + 1)
// buckets whatever the clients send (STYLE.md §8: nothing keyed by raw client input grows).

import { isLiteralSet } from './glob.ts';
import type { CompiledRule, RuleBucket } from './types.ts';

const OTHER = '\u0000other';

/** The literal methods a rule names, or null when it may match any method. */
function literalMethods(rule: CompiledRule): ReadonlySet<string> | null {
  if (rule.methods !== null) return isLiteralSet(rule.methods) ? rule.methods.literals : null;
  if (rule.names === null) return null;
  const out = new Set<string>();
  if (rule.names.tools !== null) out.add('tools/call');
  if (rule.names.prompts !== null) out.add('prompts/get');
  if (rule.names.resources !== null) {
    for (const m of ['resources/read', 'resources/subscribe', 'resources/unsubscribe']) out.add(m);
  }
  return out;
}

function literalServers(rule: CompiledRule): ReadonlySet<string> | null {
  return rule.servers !== null && isLiteralSet(rule.servers) ? rule.servers.literals : null;
}

const EMPTY: readonly CompiledRule[] = Object.freeze([]);

function makeBucket(rules: readonly CompiledRule[]): RuleBucket {
  const pick = (f: (r: CompiledRule) => boolean): readonly CompiledRule[] => {
    const out = rules.filter(f);
    return out.length === 0 ? EMPTY : Object.freeze(out);
  };
  return Object.freeze({
    deny: pick((r) => !r.dryRun && r.effect === 'deny'),
    approve: pick((r) => !r.dryRun && r.effect === 'approve'),
    allow: pick((r) => !r.dryRun && r.effect === 'allow'),
    limited: pick((r) => !r.dryRun && r.rateLimit !== undefined),
    dryRun: pick((r) => r.dryRun),
  });
}

export function buildRuleIndex(
  rules: readonly CompiledRule[],
): (server: string, method: string) => RuleBucket {
  const servers = rules.map(literalServers);
  const methods = rules.map(literalMethods);
  const serverKeys = new Set<string>();
  const methodKeys = new Set<string>();
  for (const s of servers) if (s) for (const k of s) serverKeys.add(k);
  for (const m of methods) if (m) for (const k of m) methodKeys.add(k);
  const memo = new Map<string, Map<string, RuleBucket>>();

  return (server, method) => {
    const sk = serverKeys.has(server) ? server : OTHER;
    const mk = methodKeys.has(method) ? method : OTHER;
    let byMethod = memo.get(sk);
    if (byMethod === undefined) {
      byMethod = new Map();
      memo.set(sk, byMethod);
    }
    let bucket = byMethod.get(mk);
    if (bucket === undefined) {
      bucket = makeBucket(
        rules.filter((_, i) => {
          const s = servers[i];
          const m = methods[i];
          return (s === null || s === undefined || s.has(sk)) && (m === null || m === undefined || m.has(mk));
        }),
      );
      byMethod.set(mk, bucket);
    }
    return bucket;
  };
}

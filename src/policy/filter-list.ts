// tools/list, prompts/list, resources/list and resources/templates/list show a caller only what
// it could use (issue 5). "Could" is decided without the call's arguments or headers:
//
//   An item is visible when the matching call (tools/call, prompts/get, resources/read) for it
//   could be allowed or approved: no enforced deny rule certainly matches it, and at least one
//   enforced allow or approve rule possibly matches it. A rule certainly matches when its static
//   parts match and its `when` is absent or true; it possibly matches when its `when` reads
//   `args` or `request.headers` (unknown at list time, so counted as both true and false), or
//   `request.era` when the caller did not give the era. A `when` that fails on what is known
//   fails closed as in evaluate.ts. Each unknown-dependent rule is treated on its own, so this
//   over-approximates: an item can be listed yet refused when called — the call is still decided
//   by evaluatePolicy, so listing grants nothing.
//
// Order is kept and nothing is added; pagination is the upstream's: the page's `nextCursor`
// passes through untouched, so a filtered page may be short or empty and clients page on.

import type { Identity } from '../identity/types.ts';
import { ERROR, RequestContext, staticMismatch, YES } from './match.ts';
import type { CompiledPolicy, CompiledRule, Era } from './types.ts';

export type ListMethod = 'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list';

export interface ListItem {
  readonly name?: string;
  readonly uri?: string;
  readonly uriTemplate?: string;
}

export interface FilterOptions {
  /** Given: conditions on `request.era` are evaluated; absent: they count as unknown. */
  readonly era?: Era;
  /** ms since epoch for conditions on `now`; defaults to Date.now(). */
  readonly now?: number;
}

const CALL_FOR: Readonly<Record<ListMethod, string>> = {
  'tools/list': 'tools/call',
  'prompts/list': 'prompts/get',
  'resources/list': 'resources/read',
  // A template is judged by its template text: `crm://customers/*` covers `crm://customers/{id}`.
  'resources/templates/list': 'resources/read',
};

function nameOf(method: ListMethod, item: ListItem): string | undefined {
  if (method === 'resources/list') return item.uri;
  if (method === 'resources/templates/list') return item.uriTemplate;
  return item.name;
}

const CERTAIN = 1;
const MAYBE = 2;

function possibly(rule: CompiledRule, ctx: RequestContext, eraKnown: boolean): number {
  const i = ctx.input;
  if (staticMismatch(rule, i.identity, i.server, i.method, i.name) !== undefined) return 0;
  const when = rule.when;
  if (when === null) return CERTAIN;
  if (when.deps.args || when.deps.headers || (when.deps.era && !eraKnown)) return MAYBE;
  const o = ctx.condition(when);
  if (o === YES) return CERTAIN;
  // Fail closed: an erroring deny or approve rule denies; an erroring allow rule does not apply.
  if (o === ERROR) return rule.effect === 'allow' ? 0 : -1;
  return 0;
}

/** Whether the call for `name` could be allowed or approved (see the comment at the top). */
export function isVisible(
  policy: CompiledPolicy,
  identity: Identity,
  server: string,
  callMethod: string,
  name: string,
  opts: FilterOptions = {},
): boolean {
  const bucket = policy.bucketFor(server, callMethod);
  const eraKnown = opts.era !== undefined;
  const ctx = new RequestContext(
    { identity, server, method: callMethod, name, era: opts.era ?? 'modern' },
    opts.now ?? Date.now(),
  );
  for (const r of bucket.deny) {
    const p = possibly(r, ctx, eraKnown);
    if (p === CERTAIN || p === -1) return false;
  }
  let could = false;
  for (const r of bucket.approve) {
    const p = possibly(r, ctx, eraKnown);
    if (p === -1) return false;
    if (p !== 0) could = true;
  }
  if (could) return true;
  for (const r of bucket.allow) if (possibly(r, ctx, eraKnown) !== 0) return true;
  return false;
}

/** The items the caller may use, in their original order. Items without a name are dropped. */
export function filterList<T extends ListItem>(
  policy: CompiledPolicy,
  identity: Identity,
  server: string,
  method: ListMethod,
  items: readonly T[],
  opts: FilterOptions = {},
): T[] {
  const callMethod = CALL_FOR[method];
  return items.filter((item) => {
    const name = nameOf(method, item);
    return typeof name === 'string' && isVisible(policy, identity, server, callMethod, name, opts);
  });
}

// Does one rule match one request? The static parts (server, method, name, subject) are set and
// glob lookups; the `when` condition runs only when they all match, against an activation built
// once per request and only if some condition needs it.

import type { Identity } from '../identity/types.ts';
import { type CelActivation, type Condition, celTimestamp } from './cel.ts';
import type { CompiledRule, NameKind, PolicyInput, SubjectMatcher } from './types.ts';

export const NO = 0;
export const YES = 1;
/** The condition could not be evaluated (missing key, wrong type): callers fail closed. */
export const ERROR = 2;
export type Outcome = typeof NO | typeof YES | typeof ERROR;

export type Mismatch = 'servers' | 'methods' | 'names' | 'subjects';

/** Which name list governs a method. MCP puts the tool/prompt name in `name`, the resource in `uri`. */
export function kindOf(method: string): NameKind | undefined {
  switch (method) {
    case 'tools/call':
      return 'tools';
    case 'prompts/get':
      return 'prompts';
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return 'resources';
    default:
      return undefined;
  }
}

export function subjectMatches(m: SubjectMatcher, id: Identity): boolean {
  if (m.subjects.has(id.subject)) return true;
  if (id.user !== undefined && m.users.has(id.user)) return true;
  if (m.groups.size > 0) for (const g of id.groups) if (m.groups.has(g)) return true;
  for (const [k, v] of m.attributes) {
    // Attribute keys come from tokens: only own properties count (STYLE.md §8).
    if (Object.hasOwn(id.attributes, k) && id.attributes[k] === v) return true;
  }
  return false;
}

/**
 * The first static dimension that excludes the request, or undefined when all match. A rule that
 * names tools/prompts/resources only covers methods of those kinds, and only the names listed.
 */
export function staticMismatch(
  rule: CompiledRule,
  identity: Identity,
  server: string,
  method: string,
  name: string | undefined,
): Mismatch | undefined {
  if (rule.servers !== null && !rule.servers.test(server)) return 'servers';
  if (rule.methods !== null && !rule.methods.test(method)) return 'methods';
  if (rule.names !== null) {
    const kind = kindOf(method);
    const globs = kind === undefined ? null : rule.names[kind];
    if (globs === null || name === undefined || !globs.test(name)) return 'names';
  }
  if (rule.subjects !== null && !subjectMatches(rule.subjects, identity)) return 'subjects';
  return undefined;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze(Object.create(null));
const NO_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});

/** One request's view for conditions; the CEL activation is built on first use only. */
export class RequestContext {
  readonly input: PolicyInput;
  readonly now: number;
  /** The last condition error, for the decision's reason. */
  error = '';
  #activation: CelActivation | undefined;

  constructor(input: PolicyInput, now: number) {
    this.input = input;
    this.now = now;
  }

  test(rule: CompiledRule): Outcome {
    const i = this.input;
    if (staticMismatch(rule, i.identity, i.server, i.method, i.name) !== undefined) return NO;
    return rule.when === null ? YES : this.condition(rule.when);
  }

  condition(cond: Condition): Outcome {
    try {
      const v = cond.evaluate(this.activation());
      if (v === true) return YES;
      if (v === false) return NO;
      this.error = `'${cond.source}' gave ${typeof v}, not a boolean`;
    } catch (err) {
      this.error = `'${cond.source}': ${((err as Error).message ?? String(err)).split('\n')[0]}`;
    }
    return ERROR;
  }

  activation(): CelActivation {
    if (this.#activation !== undefined) return this.#activation;
    const i = this.input;
    const id = i.identity;
    const args = i.args;
    this.#activation = {
      // `user` is '' when the token does not say, so `identity.user == "x"` is false, not an error.
      identity: {
        subject: id.subject,
        user: id.user ?? '',
        method: id.method,
        issuer: id.issuer,
        groups: id.groups,
        scopes: id.scopes,
        attributes: id.attributes,
      },
      args: typeof args === 'object' && args !== null && !Array.isArray(args) ? args : NO_ARGS,
      request: {
        server: i.server,
        method: i.method,
        name: i.name ?? '',
        era: i.era,
        headers: i.headers === undefined ? NO_HEADERS : lowerCaseKeys(i.headers),
      },
      now: celTimestamp(this.now),
    };
    return this.#activation;
  }
}

/** HTTP header names are case-insensitive (RFC 9110 §5.1); rules see them lower-cased. */
function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const k of Object.keys(headers)) {
    const v = headers[k];
    if (typeof v === 'string') out[k.toLowerCase()] = v;
  }
  return out;
}

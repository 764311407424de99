// `when` conditions: CEL (the language Kubernetes admission policy uses), parsed and type-checked
// once at boot against the declared variables, then applied per request as a compiled function.
// @marcbachmann/cel-js type-checks field access on schema-declared variables, so a misspelt
// `identity.grups` or `tool.name` is a boot error, not a rule that silently never matches.

import { type ASTNode, Environment } from '@marcbachmann/cel-js';

/** The variables a condition sees. `args` is dynamic: tool arguments have no declared schema. */
// Optional types (`args.?limit.orValue(0)`, `m[?"k"]`) as Kubernetes enables them: the way to
// read an argument that may be absent without an error.
const ENV = new Environment({
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 2000 },
})
  .registerVariable({
    name: 'identity',
    schema: {
      subject: 'string',
      user: 'string',
      method: 'string',
      issuer: 'string',
      groups: 'list<string>',
      scopes: 'list<string>',
      attributes: 'map<string, string>',
    },
  })
  .registerVariable('args', 'map<string, dyn>')
  .registerVariable({
    name: 'request',
    schema: {
      server: 'string',
      method: 'string',
      name: 'string',
      era: 'string',
      headers: 'map<string, string>',
    },
  })
  // CEL's timestamp type; the library registers it under its protobuf name.
  .registerVariable('now', 'google.protobuf.Timestamp');

// The library computes `now.getHours("Europe/Berlin")` and friends through
// `date.toLocaleString('en-US', { timeZone })`, which builds an Intl.DateTimeFormat each call
// (~40 µs here). The Date we hand it answers that one call shape from a cached formatter with the
// same options ECMA-402 §ToDateTimeOptions fills in (year…second numeric), and remembers the
// last answer per zone, since office-hours rules ask twice: same string, ~8× faster. Any other
// call falls through to Date's own method. test/policy/cel-time.test.ts checks they agree.
const formatters = new Map<string, { format: Intl.DateTimeFormat; ms: number; text: string }>();
const nativeToLocaleString = Date.prototype.toLocaleString;

function cachedToLocaleString(this: Date, locales?: unknown, options?: unknown): string {
  const tz = (options as { timeZone?: unknown } | null | undefined)?.timeZone;
  if (locales !== 'en-US' || typeof tz !== 'string' || Object.keys(options as object).length !== 1) {
    return nativeToLocaleString.call(this, locales as string, options as Intl.DateTimeFormatOptions);
  }
  let f = formatters.get(tz);
  if (f === undefined) {
    // Throws RangeError on an unknown zone, as toLocaleString does; not cached then.
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    f = { format, ms: Number.NaN, text: '' };
    // Zone names in policies are few; the bound keeps a stream of odd ones from growing it.
    if (formatters.size < 1000) formatters.set(tz, f);
  }
  const ms = this.getTime();
  if (f.ms !== ms) {
    f.text = f.format.format(this);
    f.ms = ms;
  }
  return f.text;
}

/** The `now` value for a CEL activation: a plain Date with time zone lookups cached (above). */
export function celTimestamp(ms: number): Date {
  const d = new Date(ms);
  Object.defineProperty(d, 'toLocaleString', { value: cachedToLocaleString });
  return d;
}

/** What a condition reads that may be unknown when filtering a list (no arguments, no headers). */
export interface ConditionDeps {
  readonly args: boolean;
  readonly headers: boolean;
  readonly era: boolean;
}

export interface Condition {
  readonly source: string;
  readonly deps: ConditionDeps;
  /** Returns the condition's value; throws when it cannot be evaluated (missing key, bad type). */
  evaluate(activation: CelActivation): unknown;
}

export interface CelActivation {
  identity: {
    subject: string;
    user: string;
    method: string;
    issuer: string;
    groups: readonly string[];
    scopes: readonly string[];
    attributes: Readonly<Record<string, string>>;
  };
  args: unknown;
  request: {
    server: string;
    method: string;
    name: string;
    era: string;
    headers: Readonly<Record<string, string>>;
  };
  now: Date;
}

/** Parses and type-checks; throws an Error with a one-line message naming what is wrong. */
export function compileCondition(source: string): Condition {
  let parsed: ReturnType<typeof ENV.parse>;
  try {
    parsed = ENV.parse(source);
  } catch (err) {
    throw new Error(`invalid CEL: ${describeCelError(source, err)}`);
  }
  const checked = parsed.check();
  if (!checked.valid) throw new Error(describeCelError(source, checked.error));
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new Error(`must be a boolean expression, this one is a '${checked.type}'`);
  }
  const zone = badTimeZone(parsed.ast);
  if (zone !== undefined) throw new Error(`unknown time zone '${zone}'`);
  const fn = parsed as unknown as (ctx: CelActivation) => unknown;
  return { source, deps: collectDeps(parsed.ast), evaluate: fn };
}

interface CelErrorLike {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
  node?: { start: number; end: number };
}

/** `unknown variable 'tool.nme'`, `unknown field 'identity.grups'`, else the library's summary. */
function describeCelError(source: string, err: unknown): string {
  const e = (err ?? {}) as CelErrorLike;
  const summary = e.summary ?? e.message?.split('\n')[0] ?? String(err);
  const start = e.node?.start ?? e.range?.start;
  if (e.code === 'unknown_variable' && start !== undefined) {
    const path = /^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*/.exec(source.slice(start))?.[0];
    if (path) return `unknown variable '${path}'`;
  }
  if (e.code === 'no_such_key' && e.node) return `unknown field '${source.slice(e.node.start, e.node.end)}'`;
  const at = e.range ? ` at column ${e.range.start + 1}` : '';
  return `${summary}${at}`;
}

/** A literal time zone in `x.getHours("…")` etc. that Intl does not know; it would fail every call. */
function badTimeZone(ast: ASTNode): string | undefined {
  let bad: string | undefined;
  const walk = (node: unknown): void => {
    if (bad !== undefined) return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null || !('op' in node)) return;
    const n = node as ASTNode;
    if (n.op === 'rcall' && n.args[0].startsWith('get')) {
      const arg = n.args[2][0];
      if (arg?.op === 'value' && typeof arg.args === 'string') {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: arg.args });
        } catch {
          bad = arg.args;
        }
      }
    }
    if (n.op !== 'id' && n.op !== 'value') walk(n.args);
  };
  walk(ast);
  return bad;
}

/**
 * Finds which list-time unknowns a condition reads. Conservative: `request` used other than as
 * `request.<field>` (say, bound by `cel.bind`) counts as reading both era and headers.
 */
function collectDeps(ast: ASTNode): ConditionDeps {
  const deps = { args: false, headers: false, era: false };
  const walk = (node: unknown, parent: ASTNode | undefined): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, parent);
      return;
    }
    if (typeof node !== 'object' || node === null || !('op' in node)) return;
    const n = node as ASTNode;
    if (n.op === 'id') {
      if (n.args === 'args') deps.args = true;
      if (n.args === 'request') {
        const select = parent?.op === '.' || parent?.op === '.?';
        const field = select && parent.args[0] === n ? parent.args[1] : undefined;
        if (field === undefined || field === 'headers') deps.headers = true;
        if (field === undefined || field === 'era') deps.era = true;
      }
      return;
    }
    walk(n.args, n);
  };
  walk(ast, undefined);
  return deps;
}

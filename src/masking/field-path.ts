// Field rules address values by a JSONPath subset: `$.customers[*].email`, `$..customer.email`,
// `$['odd key']`, `$.items[0].name`; or by field name, `email` or `address.street`, which match
// anywhere and ignore case, '_' and '-'. Paths are relative to the payload being masked (the
// structuredContent, the JSON inside a text block, a log message's data), not to the message.

import type { EntityType, Operator } from './types.ts';

export type Segment =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'descend' };

export interface ParsedPath {
  readonly segments: readonly Segment[];
  /** Field-name form: keys compare normalised, and array indices after the last key are skipped. */
  readonly loose: boolean;
  readonly error?: string;
}

/** A key that may itself be personal data (maps keyed by e-mail or by number): never memoised. */
export const mayBePersonal = (key: string): boolean => key.length >= 6 && /@|\d{4}/.test(key);

const normalised = new Map<string, string>();

/**
 * `first_name`, `First-Name` and `firstName` are one field name. Object keys are schema names,
 * few and repeated: memoised across requests (bounded), unless they may be personal data.
 */
export function normaliseKey(key: string): string {
  let n = normalised.get(key);
  if (n === undefined) {
    n = key.replace(/[-_\s]/g, '').toLowerCase();
    if (!mayBePersonal(key)) {
      if (normalised.size >= 4096) normalised.clear();
      normalised.set(key, n);
    }
  }
  return n;
}

const NAME = /^[^.[\]]+/;
const BRACKET = /^\[(?:(\d+)|\*|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/;

export function parseFieldPath(path: string): ParsedPath {
  if (!path.startsWith('$')) {
    const names = path.split('.');
    if (names.some((n) => n.length === 0 || /[[\]*$]/.test(n)))
      return { segments: [], loose: true, error: `invalid field name '${path}'` };
    return {
      segments: [
        { kind: 'descend' },
        ...names.map((name) => ({ kind: 'key' as const, name: normaliseKey(name) })),
      ],
      loose: true,
    };
  }
  const segments: Segment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    if (rest.startsWith('..')) {
      segments.push({ kind: 'descend' });
      rest = rest.slice(2);
    } else if (rest.startsWith('.')) rest = rest.slice(1);
    else if (!rest.startsWith('['))
      return { segments, loose: false, error: `expected '.' or '[' at '${rest}' in '${path}'` };
    if (rest.startsWith('*')) {
      segments.push({ kind: 'any' });
      rest = rest.slice(1);
      continue;
    }
    const bracket = BRACKET.exec(rest);
    if (bracket) {
      if (bracket[1] !== undefined) segments.push({ kind: 'index', index: Number(bracket[1]) });
      else if (bracket[2] !== undefined || bracket[3] !== undefined)
        segments.push({ kind: 'key', name: (bracket[2] ?? bracket[3] ?? '').replace(/\\(.)/g, '$1') });
      else segments.push({ kind: 'any' });
      rest = rest.slice(bracket[0].length);
      continue;
    }
    const name = NAME.exec(rest);
    if (!name) return { segments, loose: false, error: `expected a field name at '${rest}' in '${path}'` };
    segments.push({ kind: 'key', name: name[0] });
    rest = rest.slice(name[0].length);
  }
  const last = segments[segments.length - 1];
  if (last === undefined || last.kind === 'descend')
    return { segments, loose: false, error: `'${path}' names no field` };
  return { segments, loose: false };
}

/** A path step on the way to a value: an object key or an array index. */
export type Step = string | number;

function matchFrom(segments: readonly Segment[], si: number, stack: readonly Step[], ki: number): boolean {
  if (si === segments.length) return ki === stack.length;
  const seg = segments[si] as Segment;
  if (seg.kind === 'descend') {
    for (let k = ki; k < stack.length; k++) if (matchFrom(segments, si + 1, stack, k)) return true;
    return false;
  }
  if (ki >= stack.length) return false;
  const step = stack[ki] as Step;
  let hit: boolean;
  if (seg.kind === 'any') hit = true;
  else if (seg.kind === 'index') hit = step === seg.index;
  else hit = step === seg.name;
  return hit && matchFrom(segments, si + 1, stack, ki + 1);
}

/** Does the path reach the value at `stack` (the keys and indices from the payload root)? */
export function matchPath(path: ParsedPath, stack: readonly Step[]): boolean {
  if (!path.loose) return matchFrom(path.segments, 0, stack, 0);
  // Field-name form is `..a.b`: the last keys before any trailing array indices must be a, b.
  let end = stack.length;
  while (end > 0 && typeof stack[end - 1] === 'number') end--;
  const names = path.segments.length - 1;
  if (end < names) return false;
  for (let j = 0; j < names; j++) {
    const step = stack[end - names + j];
    const seg = path.segments[j + 1] as Segment;
    if (typeof step !== 'string' || seg.kind !== 'key' || normaliseKey(step) !== seg.name) return false;
  }
  return true;
}

export interface FieldRule {
  readonly path: ParsedPath;
  readonly type: EntityType;
  /** Undefined: the profile's operator for `type`. */
  readonly operator: Operator | undefined;
  /** Explicit rules (`fields`) also mask numbers, booleans and whole subtrees; name lists only strings. */
  readonly explicit: boolean;
  readonly detector: string;
}

/** The last key a rule needs, for indexing; undefined when it ends in `*` or an index. */
export function lastKeyOf(path: ParsedPath): string | undefined {
  const last = path.segments[path.segments.length - 1];
  return last?.kind === 'key' ? (path.loose ? last.name : normaliseKey(last.name)) : undefined;
}

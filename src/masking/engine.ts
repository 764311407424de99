// The masking engine: walks any JSON value (copy-on-write: untouched subtrees are returned as
// they came), masks strings by field rule or by detector, parses JSON found inside strings and
// masks it by field, and reports a finding per masked value with a keyed hash of its normal form.

import type { CompiledProfile } from './compile.ts';
import { maskTable, parseCsvTable } from './csv.ts';
import { type FieldRule, mayBePersonal, type Step } from './field-path.ts';
import { createRun, dropFindings, finishRun, type MaskRun, record, subtypeOf } from './run.ts';
import { findSpans } from './scan.ts';
import type { Finding } from './types.ts';

export { createRun, finishRun, type MaskRun } from './run.ts';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

interface KeyInfo {
  /** `.key`, or `["odd key"]` (a JSON string) when the key is not an identifier. */
  readonly segment: string;
  readonly maybePii: boolean;
}
const keys = new Map<string, KeyInfo>();

function keyInfo(key: string): KeyInfo {
  let info = keys.get(key);
  if (info === undefined) {
    info = {
      segment: IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`,
      // Keys are schema names, except in maps keyed by e-mail or number: those are masked too.
      maybePii: mayBePersonal(key),
    };
    // Only schema-like keys are remembered: a key that may be personal data is not kept.
    if (!info.maybePii) {
      if (keys.size >= 4096) keys.clear();
      keys.set(key, info);
    }
  }
  return info;
}

export const keySegment = (key: string): string => keyInfo(key).segment;

/** obj[key] = value, also for a key named `__proto__` (JSON.parse makes it an own property). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function looksLikeJson(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return text.length >= 2 && ((first === 123 && last === 125) || (first === 91 && last === 93));
}

/** Serialises like the original: compact, or indented as its second line is. */
export function stringifyLike(value: unknown, original: string): string {
  const newline = original.indexOf('\n');
  if (newline === -1) return JSON.stringify(value);
  const indent = /^[ \t]*/.exec(original.slice(newline + 1))?.[0] ?? '';
  return JSON.stringify(value, null, indent.length > 0 ? indent : 2);
}

/**
 * Where JSON starts in text that ends with it ("Summarize this customer:\n\n{…}", "payload={…}"),
 * and the parsed JSON; undefined when there is none. Only a few candidate openings are tried, each
 * after whitespace, ':' or '='.
 */
function findEmbeddedJson(text: string): { at: number; value: unknown } | undefined {
  const trimmed = text.trimEnd();
  const close = trimmed.charCodeAt(trimmed.length - 1);
  if (close !== 125 && close !== 93) return undefined;
  const open = close === 125 ? '{' : '[';
  let tries = 0;
  for (let i = text.indexOf(open, 1); i !== -1 && tries < 3; i = text.indexOf(open, i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (before !== 10 && before !== 32 && before !== 9 && before !== 58 && before !== 61) continue;
    tries++;
    try {
      return { at: i, value: JSON.parse(text.slice(i)) as unknown };
    } catch {
      // not JSON from here: try the next opening
    }
  }
  return undefined;
}

/** Where JSON starts in text that ends with it, or -1 (see findEmbeddedJson). */
export const embeddedJsonStart = (text: string): number => findEmbeddedJson(text)?.at ?? -1;

/**
 * Masks JSON parsed from a string by field; undefined when it held digits JSON.parse lost. The
 * parsed value belongs to this call alone, so it is masked in place (run.inText > 0): no copy of
 * every object on the way, only a count of what changed.
 */
function maskParsed(run: MaskRun, parsed: unknown, text: string, path: string): string | undefined {
  const before = run.findings.length;
  const writes = run.writes;
  const lossy = run.lossy;
  run.lossy = false;
  run.inText++;
  const masked = maskValue(run, parsed, path, []);
  run.inText--;
  const lost = run.lossy;
  run.lossy = lossy;
  if (!lost) return run.writes === writes && masked === parsed ? text : stringifyLike(masked, text);
  // Re-serialising would change digits JSON.parse could not hold: the caller masks it as text.
  dropFindings(run, before);
  return undefined;
}

/**
 * Masks one string by detectors, or, when it is JSON, by field inside it. Paths into embedded JSON
 * continue from the string's own path (`$.result.content[0].text.customers[0].email`): a JSON
 * string has no members, so the path cannot mean anything else.
 */
export function maskString(run: MaskRun, text: string, path: string): string {
  if (run.profile.jsonInText && looksLikeJson(text)) {
    let parsed: unknown;
    let ok = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      ok = false;
    }
    const masked = ok ? maskParsed(run, parsed, text, path) : undefined;
    if (masked !== undefined) return masked;
  }
  if (run.profile.jsonInText) {
    // Prose followed by JSON (a prompt quoting a record, a log line with a payload).
    const found = findEmbeddedJson(text);
    if (found !== undefined && found.at > 0) {
      const masked = maskParsed(run, found.value, text.slice(found.at), path);
      if (masked !== undefined) return maskBySpans(run, text.slice(0, found.at), path, 0) + masked;
    }
  }
  if (text.length > 32 && text.includes('\n')) {
    const table = parseCsvTable(text);
    if (table) return maskTable(run, text, table, path, maskBySpans);
  }
  return maskBySpans(run, text, path, 0);
}

/** Masks what the detectors find in `text`; finding offsets are shifted by `offset`. */
function maskBySpans(run: MaskRun, text: string, path: string, offset: number): string {
  const spans = findSpans(run.profile, text);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start);
    const value = text.slice(span.start, span.end);
    out += record(run, span.type, span.subtype, path, offset + span.start, value, span.detector, undefined);
    at = span.end;
  }
  const result = out + text.slice(at);
  return run.reportOnly || run.profile.exempt ? text : result;
}

/** A value a field rule reaches, masked whole. */
function maskByRule(run: MaskRun, rule: FieldRule, value: unknown, path: string, stack: Step[]): unknown {
  if (typeof value === 'string') {
    if (value.length === 0) return value;
    return record(run, rule.type, subtypeOf(rule, value), path, 0, value, rule.detector, rule.operator);
  }
  if (!rule.explicit) return maskValue(run, value, path, stack);
  if (typeof value === 'number' || typeof value === 'boolean') {
    const masked = record(run, rule.type, undefined, path, 0, String(value), rule.detector, rule.operator);
    return masked === String(value) ? value : masked;
  }
  if (Array.isArray(value)) return value.map((v, i) => maskByRule(run, rule, v, `${path}[${i}]`, stack));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      setOwn(out, k, maskByRule(run, rule, v, path + keySegment(k), stack));
    return out;
  }
  return value;
}

/**
 * Masks any JSON value under `path`; `stack` holds the keys and indices from the payload root,
 * which is what field rules match against. Returns the input itself when nothing changed.
 */
export function maskValue(run: MaskRun, value: unknown, path: string, stack: Step[]): unknown {
  if (typeof value === 'string') return maskString(run, value, path);
  if (typeof value === 'number' && run.inText > 0) return maskNumberInText(run, value, path);
  if (value === null || typeof value !== 'object') return value;
  const { fields } = run.profile;
  // JSON parsed out of a string is ours alone: changed in place. Anything else is copied on write.
  const inPlace = run.inText > 0;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      stack.push(i);
      const key = findKey(stack);
      const rule = key === undefined || fields.size === 0 ? undefined : fields.find(stack, key);
      const itemPath = `${path}[${i}]`;
      const masked = rule
        ? maskByRule(run, rule, item, itemPath, stack)
        : maskValue(run, item, itemPath, stack);
      stack.pop();
      if (masked !== item) {
        if (inPlace) {
          value[i] = masked;
          run.writes++;
        } else {
          copy ??= value.slice();
          copy[i] = masked;
        }
      }
    }
    return copy ?? value;
  }
  const obj = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  let renamed: [string, string, unknown][] | undefined;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const item = obj[key];
    const info = keyInfo(key);
    const childPath = path + info.segment;
    stack.push(key);
    const rule = fields.size === 0 ? undefined : fields.find(stack, key);
    const masked = rule
      ? maskByRule(run, rule, item, childPath, stack)
      : maskValue(run, item, childPath, stack);
    stack.pop();
    // A finding in a key itself is reported at `<path>~` (the JSONPath-plus notation for names).
    const newKey = info.maybePii ? maskString(run, key, `${childPath}~`) : key;
    if (newKey !== key) {
      renamed ??= [];
      renamed.push([key, newKey, masked]);
    } else if (masked !== item) {
      if (inPlace) {
        obj[key] = masked;
        run.writes++;
      } else {
        copy ??= { ...obj };
        setOwn(copy, key, masked);
      }
    }
  }
  // Renamed keys go last, as a copy would have them; not while the loop still walks the keys.
  if (renamed !== undefined) {
    if (!inPlace) copy ??= { ...obj };
    const target = copy ?? obj;
    for (const [key, newKey, masked] of renamed) {
      delete target[key];
      setOwn(target, newKey, masked);
    }
    run.writes++;
  }
  return copy ?? value;
}

/** A long integer in JSON inside text (an ID or a card written as a number): masked like text. */
function maskNumberInText(run: MaskRun, value: number, path: string): unknown {
  if (!Number.isInteger(value) || Math.abs(value) < 1e6) return value;
  if (!Number.isSafeInteger(value)) {
    run.lossy = true;
    return value;
  }
  const digits = String(value);
  const span = findSpans(run.profile, digits).find((s) => s.start === 0 && s.end === digits.length);
  if (!span) return value;
  const masked = record(run, span.type, span.subtype, path, 0, digits, span.detector, undefined);
  return masked === digits ? value : masked;
}

/** The nearest object key above trailing array indices: `phones[2]` is a `phones` value. */
function findKey(stack: readonly Step[]): string | undefined {
  for (let i = stack.length - 1; i >= 0; i--) {
    const step = stack[i];
    if (typeof step === 'string') return step;
  }
  return undefined;
}

export interface MaskResult<T> {
  value: T;
  findings: Finding[];
}

/** Masks any JSON value; field-rule paths are relative to `value`, finding paths start at `basePath`. */
export function maskJson(value: unknown, profile: CompiledProfile, basePath = '$'): MaskResult<unknown> {
  const run = createRun(profile);
  const masked = maskValue(run, value, basePath, []);
  return { value: masked, findings: finishRun(run) };
}

/** Masks free text (or JSON inside text, by field); offsets in findings are into `text`. */
export function maskText(
  text: string,
  profile: CompiledProfile,
  path = '$',
): { text: string; findings: Finding[] } {
  const run = createRun(profile);
  const masked = maskString(run, text, path);
  return { text: masked, findings: finishRun(run) };
}

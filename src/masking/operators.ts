// The masking operators: what replaces a found value. Pure functions of the value, its type and
// its keyed hashes (the finding's, and the pseudonym's HMAC when that operator applies);
// `encrypt` comes from MaskingKeys (the audit issue's per-subject keys).

import type { EntityType, Operator } from './types.ts';

export type Encrypt = (value: string, valueHash: string) => string;

export const redact = (type: EntityType): string => `[${type}]`;

/** `PERSON_3f9a1c2b` from the value's HMAC: stable per deployment key, so masked records still join. */
export const pseudonym = (type: EntityType, hmac: string): string => `${type}_${hmac.slice(0, 8)}`;

const isAlnum = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;

/**
 * Stars every letter and digit except the last `keep` of them; separators stay where they were.
 * Built from runs (kept slices, `*` repeats), not a character at a time: a string grown one
 * character at a time is a deep rope that JSON.stringify must flatten again.
 */
const STARS: readonly string[] = Array.from({ length: 33 }, (_, n) => '*'.repeat(n));
const stars = (n: number): string => (n < STARS.length ? (STARS[n] as string) : '*'.repeat(n));

function starAllBut(value: string, keep: number, skipLeading = 0): string {
  const n = value.length;
  let alnum = 0;
  for (let i = 0; i < n; i++) if (isAlnum(value.charCodeAt(i))) alnum++;
  const last = alnum - keep;
  // Compact values (a card or IBAN without spaces): kept head, stars, kept tail.
  if (alnum === n)
    return last <= skipLeading
      ? value
      : value.slice(0, skipLeading) + stars(last - skipLeading) + value.slice(last);
  let out = '';
  let from = 0;
  let run = 0;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const star = isAlnum(value.charCodeAt(i)) && ++seen > skipLeading && seen <= last;
    if (star) {
      if (run === 0 && i > from) out += value.slice(from, i);
      run++;
      from = i + 1;
    } else if (run > 0) {
      out += stars(run);
      run = 0;
    }
  }
  return run > 0 ? out + stars(run) : from < n ? out + value.slice(from) : out;
}

function partialEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 1) return redact('EMAIL');
  return `${value[0]}***${value.slice(at)}`;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** `+49 *** ***12`: the calling code and the last two digits. */
function partialPhone(value: string): string {
  const n = value.length;
  let last = -1;
  let before = -1;
  for (let i = n - 1; i >= 0 && before === -1; i--)
    if (isDigit(value.charCodeAt(i))) {
      if (last === -1) last = i;
      else before = i;
    }
  const tail = before === -1 ? (last === -1 ? '' : value[last]) : `${value[before]}${value[last]}`;
  let at = 0;
  const first = value.charCodeAt(0);
  if (first !== 43) {
    // Leading white space is rare: the general form handles it.
    if (first > 32 && first < 127) return `*** ***${tail}`;
    at = value.length - value.trimStart().length;
    if (value.charCodeAt(at) !== 43) return `*** ***${tail}`;
  }
  // The calling code: one to three digits after the `+` (spaces allowed), then a non-digit.
  let i = at + 1;
  while (i < n && (value.charCodeAt(i) === 32 || /\s/.test(value.charAt(i)))) i++;
  let j = i;
  while (j < n && isDigit(value.charCodeAt(j))) j++;
  let code: string;
  if (j > i && j - i <= 3 && j < n) code = value.slice(i, j);
  else {
    // No separate calling code: the first two digits.
    code = '';
    for (let k = 0; k < n && code.length < 2; k++) if (isDigit(value.charCodeAt(k))) code += value[k];
  }
  return `+${code} *** ***${tail}`;
}

function partialDate(value: string): string {
  // Keep the year, the least identifying part of a birth date.
  const year = /\b(?:19|20)\d\d\b/.exec(value);
  if (!year) return value.replace(/\d/g, '*');
  return value.replace(/\d/g, (d, i: number) => (i >= year.index && i < year.index + 4 ? d : '*'));
}

function partialIp(value: string, subtype: string | undefined): string {
  if (subtype === 'IPV6' || value.includes(':')) {
    const groups = value.split(':');
    return `${groups.slice(0, 2).join(':')}:****`;
  }
  const octets = value.split('.');
  return `${octets[0]}.${octets[1]}.*.*`;
}

/** Initials: "Anna Maria Müller" → "A. M. M.". */
function initials(value: string): string {
  const words = value.split(/\s+/).filter((w) => w.length > 0);
  return words.map((w) => `${w[0]}.`).join(' ');
}

export function partial(type: EntityType, value: string, subtype?: string): string {
  switch (type) {
    case 'EMAIL':
      return partialEmail(value);
    case 'PHONE':
      return partialPhone(value);
    case 'CREDIT_CARD':
      return starAllBut(value, 4);
    case 'IBAN':
      // Country code and the last four: enough to recognise one's own account.
      return starAllBut(value, 4, 2);
    case 'DATE_OF_BIRTH':
      return partialDate(value);
    case 'IP_ADDRESS':
      return partialIp(value, subtype);
    case 'MAC_ADDRESS':
      // The first three octets name the vendor, not the device.
      return starAllBut(value, 0, 6);
    case 'PERSON':
      return initials(value);
    case 'SECRET':
      return value.length > 12 ? `${value.slice(0, 4)}****` : redact(type);
    case 'ADDRESS':
      return value.replace(/[\p{L}\d]+/gu, (w) => `${w[0]}${'*'.repeat(w.length - 1)}`);
    default:
      return starAllBut(value, 2);
  }
}

export function applyOperator(
  operator: Operator,
  type: EntityType,
  value: string,
  valueHash: string,
  subtype: string | undefined,
  encrypt: Encrypt | undefined,
  /** HMAC-SHA256 of the normal form, hex: needed by `pseudonym` only (without it: redacted). */
  pseudonymHash?: string,
): string {
  switch (operator) {
    case 'keep':
      return value;
    case 'redact':
      return redact(type);
    case 'partial':
      return partial(type, value, subtype);
    case 'pseudonym':
      return pseudonymHash === undefined ? redact(type) : pseudonym(type, pseudonymHash);
    case 'encrypt':
      // Without a key source there is nothing to decrypt with later: redact instead.
      return encrypt ? `enc:v1:${encrypt(value, valueHash)}` : redact(type);
  }
}

// The masking operators: what replaces a found value. Pure functions of the value, its type and
// its keyed hash; `encrypt` comes from MaskingKeys (the audit issue's per-subject keys).

import type { EntityType, Operator } from './types.ts';

export type Encrypt = (value: string, valueHash: string) => string;

export const redact = (type: EntityType): string => `[${type}]`;

/** `PERSON_3f9a1c2b`: stable per deployment key, so masked records still join. */
export const pseudonym = (type: EntityType, valueHash: string): string => `${type}_${valueHash.slice(0, 8)}`;

const isAlnum = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;

/** Stars every letter and digit except the last `keep` of them; separators stay where they were. */
function starAllBut(value: string, keep: number, skipLeading = 0): string {
  let alnum = 0;
  for (let i = 0; i < value.length; i++) if (isAlnum(value.charCodeAt(i))) alnum++;
  let seen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!isAlnum(c)) out += value[i];
    else {
      seen++;
      out += seen <= skipLeading || seen > alnum - keep ? value[i] : '*';
    }
  }
  return out;
}

function partialEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 1) return redact('EMAIL');
  return `${value[0]}***${value.slice(at)}`;
}

/** `+49 *** ***12`: the calling code and the last two digits. */
function partialPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  const tail = digits.slice(-2);
  if (value.trimStart().startsWith('+')) {
    const code = /^\s*\+\s*(\d{1,3})(?=\D)/.exec(value)?.[1] ?? digits.slice(0, 2);
    return `+${code} *** ***${tail}`;
  }
  return `*** ***${tail}`;
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
): string {
  switch (operator) {
    case 'keep':
      return value;
    case 'redact':
      return redact(type);
    case 'partial':
      return partial(type, value, subtype);
    case 'pseudonym':
      return pseudonym(type, valueHash);
    case 'encrypt':
      // Without a key source there is nothing to decrypt with later: redact instead.
      return encrypt ? `enc:v1:${encrypt(value, valueHash)}` : redact(type);
  }
}

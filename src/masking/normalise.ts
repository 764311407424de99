// The form a value is hashed in, so one person's data hashes alike however it was written:
// e-mails lower-cased; phones, cards and IBANs as digits (and IBAN letters) only; identifiers
// without separators, upper-cased; names and addresses lower-cased with single spaces.

import type { EntityType } from './types.ts';

const NOT_ALNUM = /[^A-Za-z0-9]/g;
const SPACES = /\s+/g;

/** Whether every character is a digit (or, with `upper`, a digit or A–Z): already normal. */
function plain(value: string, upper: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (upper && c >= 65 && c <= 90))) return false;
  }
  return true;
}

/**
 * Whether NFC could change `value`: it holds a character from U+0300 up. Every character below
 * U+0300 is its own NFC form and none of them combines with another (checked for each by
 * test/masking/normalise.test.ts), so names in Latin scripts skip String#normalize.
 */
function mayRecompose(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x300) return true;
  return false;
}

/** White space as JavaScript's `\s` has it. */
function isSpace(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff;
}

/** Whether white space needs collapsing: two in a row, or a tab, line break or no-break space. */
function hasOddSpace(value: string): boolean {
  let previous = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 32) {
      if (previous) return true;
      previous = true;
    } else if (c > 32 && c < 0xa0) previous = false;
    else if (c === 9 || c === 10 || c === 13 || c === 0xa0) return true;
    else {
      const space = isSpace(c);
      if (space && previous) return true;
      previous = space;
    }
  }
  return false;
}

/** The digits of `value`, in runs (a phone is three or four of them), without a regex. */
function digitsOf(value: string): string {
  let out = '';
  let from = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (from === -1) from = i;
    } else if (from !== -1) {
      out += value.slice(from, i);
      from = -1;
    }
  }
  return from === -1 ? out : out + value.slice(from);
}

export function normaliseValue(type: EntityType, value: string): string {
  switch (type) {
    case 'EMAIL':
    case 'IP_ADDRESS':
      return value.trim().toLowerCase();
    case 'PHONE':
    case 'CREDIT_CARD':
      return plain(value, false) ? value : digitsOf(value);
    case 'IBAN':
    case 'NATIONAL_ID':
    case 'PASSPORT':
    case 'ID_CARD':
      return plain(value, true) ? value : value.replace(NOT_ALNUM, '').toUpperCase();
    case 'MAC_ADDRESS':
      return value.replace(NOT_ALNUM, '').toLowerCase();
    case 'PERSON':
    case 'ADDRESS': {
      // NFC only when there is something to compose: é typed as e + U+0301 is still é.
      const composed = mayRecompose(value) ? value.normalize('NFC') : value;
      const lower = composed.trim().toLowerCase();
      return hasOddSpace(lower) ? lower.replace(SPACES, ' ') : lower;
    }
    default:
      return value.trim();
  }
}

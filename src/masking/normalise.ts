// The form a value is hashed in, so one person's data hashes alike however it was written:
// e-mails lower-cased; phones, cards and IBANs as digits (and IBAN letters) only; identifiers
// without separators, upper-cased; names and addresses lower-cased with single spaces.

import type { EntityType } from './types.ts';

const NOT_ALNUM = /[^A-Za-z0-9]/g;
const SPACES = /\s+/g;
const NON_ASCII = /[\u0080-\uffff]/;
const ODD_SPACE = /\s\s|[\t\n\r\u00a0]/;

/** Whether every character is a digit (or, with `upper`, a digit or A–Z): already normal. */
function plain(value: string, upper: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (upper && c >= 65 && c <= 90))) return false;
  }
  return true;
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
      const composed = NON_ASCII.test(value) ? value.normalize('NFC') : value;
      const lower = composed.trim().toLowerCase();
      return ODD_SPACE.test(lower) ? lower.replace(SPACES, ' ') : lower;
    }
    default:
      return value.trim();
  }
}

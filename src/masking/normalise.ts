// The form a value is hashed in, so one person's data hashes alike however it was written:
// e-mails lower-cased; phones, cards and IBANs as digits (and IBAN letters) only; identifiers
// without separators, upper-cased; names and addresses lower-cased with single spaces.

import type { EntityType } from './types.ts';

const NOT_DIGIT = /\D/g;
const NOT_ALNUM = /[^A-Za-z0-9]/g;
const SPACES = /\s+/g;
const NON_ASCII = /[\u0080-\uffff]/;
const ODD_SPACE = /\s\s|[\t\n\r\u00a0]/;

export function normaliseValue(type: EntityType, value: string): string {
  switch (type) {
    case 'EMAIL':
    case 'IP_ADDRESS':
      return value.trim().toLowerCase();
    case 'PHONE':
    case 'CREDIT_CARD':
      return value.replace(NOT_DIGIT, '');
    case 'IBAN':
    case 'NATIONAL_ID':
    case 'PASSPORT':
    case 'ID_CARD':
      return value.replace(NOT_ALNUM, '').toUpperCase();
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

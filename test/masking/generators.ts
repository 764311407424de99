// Generated personal data for the masking tests: every value is made up (example.* domains,
// random digits), but has the shape and check digits of the real thing, so a validating
// detector must find it. Arbitraries for fast-check, plus plain builders for fixed cases.

import fc from 'fast-check';
import { countrySpecs, isValidIBAN } from 'ibantools';
import { type CountryCode, isValidPhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import {
  bsnCheckDigit,
  codiceFiscaleCheckChar,
  dniLetter,
  luhnCheckDigit,
  nirKey,
  peselCheckDigit,
  steuerIdCheckDigit,
} from '../../demo/crm/checksums.ts';
import { createRandom, type Random } from '../../demo/crm/random.ts';
import type { EntityType } from '../../src/masking/types.ts';

export interface PersonalValue {
  readonly type: EntityType;
  readonly subtype?: string;
  readonly value: string;
}

const digits = (r: Random, n: number): string => Array.from({ length: n }, () => r.int(0, 9)).join('');
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** A BBAN for a registry pattern such as `^[0-9]{5}[A-Z0-9]{11}$`. */
function bbanFor(r: Random, regexp: string): string {
  let out = '';
  for (const m of regexp.matchAll(/\[([^\]]+)\]\{(\d+)\}/g)) {
    const chars = (m[1] as string)
      .replace('0-9', '0123456789')
      .replace('A-Z', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
      .replace('a-z', 'abcdefghijklmnopqrstuvwxyz');
    for (let i = 0; i < Number(m[2]); i++) out += chars.charAt(r.int(0, chars.length - 1));
  }
  return out;
}

function ibanCheck(country: string, bban: string): string {
  const numeric = Array.from(`${bban}${country}00`.toUpperCase(), (ch) =>
    ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch,
  ).join('');
  return pad(98 - Number(BigInt(numeric) % 97n), 2);
}

/** A valid IBAN for `country`, or undefined if 5000 random BBANs all miss its national check. */
export function makeIban(r: Random, country: string): string | undefined {
  const spec = countrySpecs[country];
  if (!spec?.bban_regexp || !spec.chars) return undefined;
  for (let i = 0; i < 5000; i++) {
    const bban = bbanFor(r, spec.bban_regexp).toUpperCase();
    const iban = `${country}${ibanCheck(country, bban)}${bban}`;
    if (isValidIBAN(iban)) return iban;
  }
  return undefined;
}

export const IBAN_COUNTRIES: readonly string[] = Object.keys(countrySpecs).filter(
  (c) => countrySpecs[c]?.chars && countrySpecs[c]?.bban_regexp,
);

export const group4 = (s: string): string => s.replace(/(.{4})(?=.)/g, '$1 ');

const CARD_PREFIXES = ['4', '51', '52', '53', '54', '55', '2221', '2720', '34', '37', '6011', '65', '35'];

export function makeCard(r: Random): string {
  const prefix = r.pick(CARD_PREFIXES);
  const length = prefix === '34' || prefix === '37' ? 15 : r.pick([16, 16, 16, 19]);
  const body = prefix + digits(r, length - prefix.length - 1);
  return body + luhnCheckDigit(body);
}

const NINO_FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const NINO_SECOND = 'ABCEGHJKLMNPRSTWXYZ';

/** National identifiers of every supported scheme, in a written form people use. */
export function makeNationalId(r: Random, scheme: string): string {
  switch (scheme) {
    case 'DE_STEUER_ID': {
      for (;;) {
        const d = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        d.splice(r.int(0, 9), 1);
        d.push(r.pick(d));
        for (let i = d.length - 1; i > 0; i--) {
          const j = r.int(0, i);
          [d[i], d[j]] = [d[j] as number, d[i] as number];
        }
        if (d[0] === 0) continue;
        const first = d.join('');
        return `${first}${steuerIdCheckDigit(first)}`;
      }
    }
    case 'FR_NIR': {
      const first = `${r.int(1, 2)}${pad(r.int(40, 99), 2)}${pad(r.int(1, 12), 2)}${pad(r.int(1, 95), 2)}${pad(r.int(1, 990), 3)}${pad(r.int(1, 999), 3)}`;
      return `${first}${pad(nirKey(first), 2)}`;
    }
    case 'ES_DNI': {
      const n = digits(r, 8);
      return `${n}${dniLetter(n)}`;
    }
    case 'ES_NIE': {
      const lead = r.int(0, 2);
      const n = digits(r, 7);
      return `${'XYZ'[lead]}${n}${dniLetter(`${lead}${n}`)}`;
    }
    case 'IT_CODICE_FISCALE': {
      const L = (): string => String.fromCharCode(65 + r.int(0, 25));
      const first = `${L()}${L()}${L()}${L()}${L()}${L()}${pad(r.int(40, 99), 2)}${'ABCDEHLMPRST'[r.int(0, 11)]}${pad(r.int(1, 28) + r.pick([0, 40]), 2)}${L()}${pad(r.int(1, 999), 3)}`;
      return `${first}${codiceFiscaleCheckChar(first)}`;
    }
    case 'NL_BSN':
      for (;;) {
        const first = `${r.int(1, 9)}${digits(r, 7)}`;
        const check = bsnCheckDigit(first);
        if (check !== undefined) return `${first}${check}`;
      }
    case 'PL_PESEL': {
      const first = `${pad(r.int(40, 99), 2)}${pad(r.int(1, 12), 2)}${pad(r.int(1, 28), 2)}${digits(r, 4)}`;
      return `${first}${peselCheckDigit(first)}`;
    }
    case 'SE_PERSONNUMMER': {
      const date = `${pad(r.int(40, 99), 2)}${pad(r.int(1, 12), 2)}${pad(r.int(1, 28), 2)}`;
      const serial = digits(r, 3);
      return `${date}-${serial}${luhnCheckDigit(`${date}${serial}`)}`;
    }
    case 'GB_NINO':
      for (;;) {
        const prefix = `${NINO_FIRST[r.int(0, NINO_FIRST.length - 1)]}${NINO_SECOND[r.int(0, NINO_SECOND.length - 1)]}`;
        if (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(prefix)) continue;
        return `${prefix} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${'ABCD'[r.int(0, 3)]}`;
      }
    case 'GB_NHS':
      for (;;) {
        const first = `${r.int(4, 7)}${digits(r, 8)}`;
        let sum = 0;
        for (let i = 0; i < 9; i++) sum += Number(first[i]) * (10 - i);
        const check = 11 - (sum % 11);
        if (check === 10) continue;
        const full = `${first}${check === 11 ? 0 : check}`;
        return `${full.slice(0, 3)} ${full.slice(3, 6)} ${full.slice(6)}`;
      }
    case 'US_SSN': {
      let area = r.int(1, 899);
      if (area === 666) area = 667;
      return `${pad(area, 3)}-${pad(r.int(1, 99), 2)}-${pad(r.int(1, 9999), 4)}`;
    }
    default:
      throw new Error(`no generator for ${scheme}`);
  }
}

export const NATIONAL_ID_SCHEMES = [
  'DE_STEUER_ID',
  'FR_NIR',
  'ES_DNI',
  'ES_NIE',
  'IT_CODICE_FISCALE',
  'NL_BSN',
  'PL_PESEL',
  'SE_PERSONNUMMER',
  'GB_NINO',
  'GB_NHS',
  'US_SSN',
] as const;

export const PHONE_REGIONS = ['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'SE', 'GB', 'US'] as const;
const EXAMPLES = examples as Record<string, string>;

/** A valid mobile number of `region` (its example with random last digits), international or national. */
export function makePhone(r: Random, region: string, national: boolean): string {
  const example = EXAMPLES[region] as string;
  for (;;) {
    const nn = example.slice(0, -3) + digits(r, 3);
    const phone = parsePhoneNumberFromString(nn, region as CountryCode);
    if (phone && isValidPhoneNumber(nn, region as CountryCode))
      return national ? phone.formatNational() : phone.formatInternational();
  }
}

export function makeEmail(r: Random): string {
  const word = (): string =>
    Array.from({ length: r.int(2, 8) }, () => String.fromCharCode(97 + r.int(0, 25))).join('');
  const local = r.int(0, 1) === 0 ? `${word()}.${word()}` : `${word()}${r.pick(['', '+tag', '_x', '-1'])}`;
  return `${local}@${r.pick(['', `${word()}.`])}${r.pick(['example.com', 'example.org', 'example.net'])}`;
}

/** Any personal value of a checksum- or structure-validated type, from a fast-check seed. */
export const personalValue: fc.Arbitrary<PersonalValue> = fc
  .tuple(fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 5 }))
  .map(([seed, kind]) => {
    const r = createRandom(seed);
    switch (kind) {
      case 0:
        return { type: 'EMAIL', value: makeEmail(r) };
      case 1:
        return { type: 'PHONE', value: makePhone(r, r.pick(PHONE_REGIONS), r.int(0, 1) === 0) };
      case 2: {
        const iban = makeIban(
          r,
          r.pick(['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'SE', 'GB', 'BE', 'AT', 'CH']),
        ) as string;
        return { type: 'IBAN', value: r.int(0, 1) === 0 ? iban : group4(iban) };
      }
      case 3: {
        const card = makeCard(r);
        return { type: 'CREDIT_CARD', value: r.int(0, 1) === 0 ? card : group4(card) };
      }
      default: {
        const scheme = r.pick(NATIONAL_ID_SCHEMES);
        return { type: 'NATIONAL_ID', subtype: scheme, value: makeNationalId(r, scheme) };
      }
    }
  });

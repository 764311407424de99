// National identifiers with their check digits, validated by stdnum (one import per scheme: its
// ESM entry fails, see TOOLCHAIN.md). NHS numbers are not in stdnum; their mod-11 check is here.
// Each scheme also has a written shape, so a checksum that happens to fit a phone number or an
// amount is not enough on its own: SSNs are grouped 3-2-4, NHS numbers 3-3-4 or contiguous.

import { validate as deIdnr } from 'stdnum/lib/cjs/de/idnr.js';
import { validate as esDni } from 'stdnum/lib/cjs/es/dni.js';
import { validate as esNie } from 'stdnum/lib/cjs/es/nie.js';
import { validate as frNir } from 'stdnum/lib/cjs/fr/nir.js';
import { validate as gbNino } from 'stdnum/lib/cjs/gb/nino.js';
import { validate as itCodiceFiscale } from 'stdnum/lib/cjs/it/codicefiscale.js';
import { validate as nlBsn } from 'stdnum/lib/cjs/nl/bsn.js';
import { validate as plPesel } from 'stdnum/lib/cjs/pl/pesel.js';
import { validate as sePersonnummer } from 'stdnum/lib/cjs/se/personnummer.js';
import { validate as usSsn } from 'stdnum/lib/cjs/us/ssn.js';
import type { Detector, Span, TextStats } from '../spans.ts';
import {
  bsnCheck,
  dniLetterCheck,
  nirCheck,
  personnummerCheck,
  peselCheck,
  ssnCheck,
  steuerIdCheck,
} from './checksums.ts';

export type NationalIdScheme =
  | 'DE_STEUER_ID'
  | 'FR_NIR'
  | 'ES_DNI'
  | 'ES_NIE'
  | 'IT_CODICE_FISCALE'
  | 'NL_BSN'
  | 'PL_PESEL'
  | 'SE_PERSONNUMMER'
  | 'GB_NINO'
  | 'GB_NHS'
  | 'US_SSN';

/** NHS number (NHS Data Dictionary): weights 10…2 over nine digits, check = 11 − sum mod 11; 10 is invalid. */
export function nhsValid(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === digits.charCodeAt(9) - 48;
}

/** Numeric schemes by digit count, each with the written shapes it accepts. */
function numericScheme(candidate: string, digits: string, confirm = true): NationalIdScheme | undefined {
  // Without `confirm`, the cheap check digits alone decide (a field already says it is an ID).
  switch (digits.length) {
    case 9:
      if (/^\d{3}[- ]\d{2}[- ]\d{4}$/.test(candidate))
        return ssnCheck(digits) && (!confirm || usSsn(candidate).isValid) ? 'US_SSN' : undefined;
      return /^(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[. ]\d{3}[. ]\d{3})$/.test(candidate) &&
        bsnCheck(digits) &&
        (!confirm || nlBsn(digits).isValid)
        ? 'NL_BSN'
        : undefined;
    case 10:
      // NHS numbers start 4–9 (England, Wales, Isle of Man); written 3-3-4 any grouped one counts.
      if (/^\d{3}([- ])\d{3}\1\d{4}$|^[4-9]\d{9}$/.test(candidate) && nhsValid(digits)) return 'GB_NHS';
      // Contiguous 10 digits are too often a timestamp; a personnummer is written YYMMDD-NNNN.
      return /^\d{6}[-+]\d{4}$/.test(candidate) &&
        personnummerCheck(digits) &&
        (!confirm || sePersonnummer(candidate).isValid)
        ? 'SE_PERSONNUMMER'
        : undefined;
    case 11:
      if (
        /^(?:\d{11}|\d{2} \d{3} \d{3} \d{3})$/.test(candidate) &&
        steuerIdCheck(digits) &&
        (!confirm || deIdnr(digits).isValid)
      )
        return 'DE_STEUER_ID';
      return /^\d{11}$/.test(candidate) && peselCheck(digits) && (!confirm || plPesel(digits).isValid)
        ? 'PL_PESEL'
        : undefined;
    case 12:
      return /^\d{8}[-+]?\d{4}$/.test(candidate) &&
        personnummerCheck(digits) &&
        (!confirm || sePersonnummer(candidate).isValid)
        ? 'SE_PERSONNUMMER'
        : undefined;
    case 15:
      return /^\d(?: ?\d\d){2} ?\d\d ?\d{3} ?\d{3} ?\d\d$/.test(candidate) &&
        nirCheck(digits) &&
        (!confirm || frNir(digits).isValid)
        ? 'FR_NIR'
        : undefined;
    default:
      return undefined;
  }
}

const NUMERIC = /(?<![\w+.,/-])\d(?:[ ./+-]?\d){8,14}(?![\w])/g;
const CALLING_CODE_BEFORE = /(?:\+|\b00)\d{1,3}[ .-]?\(?0?\)?[ .-]?$/;
const ALNUM =
  /(?<![\w-])(?:([A-Za-z]{6}[0-9LMNP-Vlmnp-v]{2}[ABCDEHLMPRSTabcdehlmprst][0-9LMNP-Vlmnp-v]{2}[A-Za-z][0-9LMNP-Vlmnp-v]{3}[A-Za-z])|([A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d])|([XYZxyz][ -]?\d{7}[ -]?[A-Za-z])|(\d{8}[ -]?[A-Za-z])|([12] ?\d\d ?\d\d ?2[ABab] ?\d{3} ?\d{3} ?\d\d))(?![\w])/g;

function alnumScheme(m: RegExpExecArray, confirm = true): NationalIdScheme | undefined {
  const value = m[0];
  if (m[1] !== undefined)
    return !confirm || itCodiceFiscale(value.toUpperCase()).isValid ? 'IT_CODICE_FISCALE' : undefined;
  if (m[2] !== undefined) return !confirm || gbNino(value.toUpperCase()).isValid ? 'GB_NINO' : undefined;
  if (m[3] !== undefined)
    return dniLetterCheck(value) && (!confirm || esNie(value.toUpperCase()).isValid) ? 'ES_NIE' : undefined;
  if (m[4] !== undefined)
    return dniLetterCheck(value) && (!confirm || esDni(value.toUpperCase()).isValid) ? 'ES_DNI' : undefined;
  return !confirm || frNir(value.toUpperCase()).isValid ? 'FR_NIR' : undefined;
}

/**
 * The scheme of a value a field already calls a national ID, by shape and check digits, for the
 * finding's subtype; stdnum is not asked again (`confirm`) unless the caller wants certainty.
 */
export function nationalIdScheme(value: string, confirm = false): NationalIdScheme | undefined {
  const trimmed = value.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length === trimmed.replace(/[ ./+-]/g, '').length)
    return numericScheme(trimmed, digits, confirm);
  ALNUM.lastIndex = 0;
  const m = ALNUM.exec(trimmed);
  return m && m.index === 0 && m[0].length === trimmed.length ? alnumScheme(m, confirm) : undefined;
}

const push = (out: Span[], start: number, end: number, subtype: NationalIdScheme): void => {
  out.push({ start, end, type: 'NATIONAL_ID', subtype, detector: 'national-id' });
};

export const nationalIdDetector: Detector = {
  name: 'national-id',
  types: ['NATIONAL_ID'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.digits < 6) return;
    if (stats.digits >= 9) {
      NUMERIC.lastIndex = 0;
      for (let m = NUMERIC.exec(text); m !== null; m = NUMERIC.exec(text)) {
        const candidate = m[0];
        // "+48 505 491 424": the digits after a calling code are a phone number's.
        if (CALLING_CODE_BEFORE.test(text.slice(Math.max(0, m.index - 6), m.index))) continue;
        const scheme = numericScheme(candidate, candidate.replace(/\D/g, ''));
        if (scheme) push(out, m.index, m.index + candidate.length, scheme);
        else if (candidate.includes(' ')) {
          // An identifier written contiguously next to other numbers ("12345678903 2024").
          let pos = 0;
          for (const part of candidate.split(' ')) {
            const sub = part.length >= 9 ? numericScheme(part, part.replace(/\D/g, '')) : undefined;
            if (sub) push(out, m.index + pos, m.index + pos + part.length, sub);
            pos += part.length + 1;
          }
        }
      }
    }
    if (stats.letters > 0) {
      ALNUM.lastIndex = 0;
      for (let m = ALNUM.exec(text); m !== null; m = ALNUM.exec(text)) {
        const scheme = alnumScheme(m);
        if (scheme) push(out, m.index, m.index + m[0].length, scheme);
      }
    }
  },
};

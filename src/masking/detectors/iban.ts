// IBANs for every country ibantools knows (ISO 13616 registry and the unofficial ones), written
// compact or in groups: country code and check digits, then the country's BBAN length.

import { countrySpecs, isValidBBAN } from 'ibantools';
import type { Detector, Span, TextStats } from '../spans.ts';

const LENGTHS = new Map<string, number>();
for (const [country, spec] of Object.entries(countrySpecs)) if (spec.chars) LENGTHS.set(country, spec.chars);

// Country + check digits, then alphanumerics with single spaces or dashes between them.
const CANDIDATE = /(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})((?:[ -]?[A-Za-z0-9]){8,32})/g;

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** ISO 7064 MOD 97-10 over the IBAN rearranged (BBAN, country, check digits), letters as 10–35. */
function mod97(iban: string): number {
  let rem = 0;
  for (let i = 0; i < iban.length; i++) {
    const c = iban.charCodeAt((i + 4) % iban.length);
    rem = c >= 65 ? (rem * 100 + c - 55) % 97 : (rem * 10 + c - 48) % 97;
  }
  return rem;
}

/**
 * Validates an IBAN given with or without separators; returns its electronic form or undefined.
 * This is ibantools' isValidIBAN (country length, BBAN format and national check digits via
 * isValidBBAN, then MOD 97-10) with the checksum first and without its per-call RegExp: ~0.2 µs
 * instead of ~1.8 µs. test/masking/detectors.test.ts holds the two to the same answers.
 */
export function validIban(text: string): string | undefined {
  const compact = text.replace(/[ -]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact) || LENGTHS.get(compact.slice(0, 2)) !== compact.length)
    return undefined;
  if (mod97(compact) !== 1) return undefined;
  return isValidBBAN(compact.slice(4), compact.slice(0, 2)) ? compact : undefined;
}

export const ibanDetector: Detector = {
  name: 'iban',
  types: ['IBAN'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    // Some BBANs are mostly letters (BH, QA): the check digits are the only digits to count on.
    if (stats.digits < 2 || stats.letters < 2 || stats.length < 14) return;
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const country = (m[1] as string).toUpperCase();
      const length = LENGTHS.get(country);
      if (length === undefined) {
        CANDIDATE.lastIndex = m.index + 1;
        continue;
      }
      // Take exactly the country's length of alphanumerics; what follows must not continue the run.
      let need = length - 4;
      let i = m.index + 4;
      let end = i;
      while (need > 0 && i < text.length) {
        const c = text.charCodeAt(i);
        if (isAlnum(c)) {
          need--;
          end = i + 1;
        } else if ((c !== 32 && c !== 45) || !isAlnum(text.charCodeAt(i + 1))) break;
        i++;
      }
      if (need === 0 && !isAlnum(text.charCodeAt(end)) && validIban(text.slice(m.index, end))) {
        out.push({ start: m.index, end, type: 'IBAN', subtype: country, detector: 'iban' });
        CANDIDATE.lastIndex = end;
      } else CANDIDATE.lastIndex = m.index + 1;
    }
  },
};

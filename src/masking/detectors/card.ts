// Payment card numbers: 12–19 digits, contiguous or grouped by spaces or dashes, a major-network
// leading digit (2–6) and a valid Luhn check digit (ISO/IEC 7812-1).

import type { Detector, Span, TextStats } from '../spans.ts';

const CANDIDATE = /(?<![\w+.,/-])\d(?:[ -]?\d){11,18}(?![\w])/g;
const IBAN_HEAD = /[A-Za-z]{2}\d{2}[ -]$/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A card number given with or without separators. */
export function validCard(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  if (!/^[2-6]\d{11,18}$/.test(digits)) return false;
  return luhnValid(digits);
}

export const cardDetector: Detector = {
  name: 'credit-card',
  types: ['CREDIT_CARD'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.digits < 12) return;
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const candidate = m[0];
      // The digits after an IBAN's "DE89 " belong to the IBAN (valid or not), not to a card.
      if (IBAN_HEAD.test(text.slice(Math.max(0, m.index - 5), m.index))) continue;
      // Grouped numbers may run into the next group of digits: try ending at each group boundary.
      let end = candidate.length;
      while (end > 0) {
        const piece = candidate.slice(0, end);
        if (validCard(piece)) {
          out.push({
            start: m.index,
            end: m.index + end,
            type: 'CREDIT_CARD',
            subtype: undefined,
            detector: 'credit-card',
          });
          break;
        }
        end = Math.max(candidate.lastIndexOf(' ', end - 1), candidate.lastIndexOf('-', end - 1));
      }
    }
  },
};

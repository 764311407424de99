// E-mail addresses (RFC 5321 dot-atom local part, DNS domain with an alphabetic TLD), found by
// expanding around each '@' instead of running a pattern from every position.

import type { Detector, Span, TextStats } from '../spans.ts';

const LOCAL = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-")
  LOCAL[ch.charCodeAt(0)] = 1;
const isLocal = (c: number): boolean => (c < 128 ? LOCAL[c] === 1 : c >= 0xc0);
const isAlnum = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;

/** The end of a valid domain starting at `from`, or -1. */
function domainEnd(text: string, from: number): number {
  let i = from;
  let labels = 0;
  let lastLabelStart = from;
  let lastGoodEnd = -1;
  for (;;) {
    const start = i;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (isAlnum(c) || (c === 45 && i > start)) i++;
      else break;
    }
    if (i === start || text.charCodeAt(i - 1) === 45 || i - start > 63) break;
    labels++;
    lastLabelStart = start;
    if (labels >= 2) {
      let alpha = i - lastLabelStart >= 2;
      for (let j = lastLabelStart; alpha && j < i; j++) alpha = isAlpha(text.charCodeAt(j));
      if (alpha) lastGoodEnd = i;
    }
    if (text.charCodeAt(i) === 46 && i + 1 < text.length && isAlnum(text.charCodeAt(i + 1))) i++;
    else break;
  }
  return lastGoodEnd;
}

/** Finds e-mail addresses in `text` (stats.at > 0) and appends them to `out`. */
export function findEmails(text: string, out: Span[], detector = 'email'): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && isLocal(text.charCodeAt(start - 1)) && at - start < 64) start--;
    // A local part neither starts nor ends with a dot, nor has two in a row.
    while (start < at && text.charCodeAt(start) === 46) start++;
    const local = text.slice(start, at);
    const end = start < at && !local.endsWith('.') && !local.includes('..') ? domainEnd(text, at + 1) : -1;
    if (end !== -1) {
      out.push({ start, end, type: 'EMAIL', subtype: undefined, detector });
      at = text.indexOf('@', end);
    } else at = text.indexOf('@', at + 1);
  }
}

export const emailDetector: Detector = {
  name: 'email',
  types: ['EMAIL'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.at > 0 && stats.dots > 0) findEmails(text, out);
  },
};

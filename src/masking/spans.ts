// What detectors return, and how overlapping candidates are settled.

import type { EntityType } from './types.ts';

export interface Span {
  start: number;
  end: number;
  type: EntityType;
  subtype: string | undefined;
  detector: string;
}

/** Cheap facts about a string, counted in one pass, that decide which detectors run at all. */
export interface TextStats {
  readonly length: number;
  readonly digits: number;
  readonly letters: number;
  readonly upper: number;
  readonly spaces: number;
  readonly at: number;
  readonly colons: number;
  readonly dots: number;
  readonly dashes: number;
}

/** A compiled detector: runs only what its pre-check allows and appends spans to `out`. */
export interface Detector {
  readonly name: string;
  readonly types: readonly EntityType[];
  detect(text: string, stats: TextStats, out: Span[]): void;
}

/** One pass of ASCII range checks, most frequent (lower-case letters) first; ~2 ns a character. */
export function countText(text: string): TextStats {
  let digits = 0;
  let upper = 0;
  let spaces = 0;
  let at = 0;
  let colons = 0;
  let dots = 0;
  let dashes = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97) {
      if (c <= 122) continue;
      if (c < 128) other++;
      // Latin-1 and Latin Extended-A capitals (À-Þ, the even code points of Ā-ž) count as upper.
      else if ((c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x100 && c <= 0x17e && c % 2 === 0)) upper++;
    } else if (c >= 65) {
      if (c <= 90) upper++;
      else other++;
    } else if (c >= 48) {
      if (c <= 57) digits++;
      else if (c === 58) colons++;
      else if (c === 64) at++;
      else other++;
    } else if (c === 32 || c === 9 || c === 10 || c === 13) spaces++;
    else if (c === 46) dots++;
    else if (c === 45) dashes++;
    else other++;
  }
  // Letters are what is left: a-z, A-Z and everything from U+0080 up.
  const letters = text.length - digits - spaces - at - colons - dots - dashes - other;
  return { length: text.length, digits, letters, upper, spaces, at, colons, dots, dashes };
}

// Specificity: checksum-validated and structural types beat context and heuristic ones.
const RANK: Readonly<Record<EntityType, number>> = {
  SECRET: 9,
  EMAIL: 8,
  IBAN: 8,
  CREDIT_CARD: 7,
  NATIONAL_ID: 8,
  MAC_ADDRESS: 7,
  IP_ADDRESS: 7,
  PHONE: 6,
  // A context word ("Passport number 736434379") is better evidence than a checksum that one
  // number in eleven passes by chance.
  PASSPORT: 8.5,
  ID_CARD: 8.5,
  DATE_OF_BIRTH: 8.5,
  ADDRESS: 3,
  PERSON: 2,
};

const HEURISTIC: ReadonlySet<EntityType> = new Set(['PERSON', 'ADDRESS']);

function better(a: Span, b: Span): number {
  return RANK[b.type] - RANK[a.type] || b.end - b.start - (a.end - a.start) || a.start - b.start;
}

/** Settles overlaps inside one cluster of mutually overlapping spans (usually one or two). */
function resolveCluster(spans: Span[], kept: Span[]): void {
  if (spans.length === 1) {
    kept.push(spans[0] as Span);
    return;
  }
  const won: Span[] = [];
  for (const span of spans.sort(better)) {
    let pieces: Span[] = [span];
    for (const k of won) {
      const next: Span[] = [];
      for (const p of pieces) {
        if (p.end <= k.start || p.start >= k.end) next.push(p);
        else if (HEURISTIC.has(p.type)) {
          if (k.start - p.start >= 2) next.push({ ...p, end: k.start });
          if (p.end - k.end >= 2) next.push({ ...p, start: k.end });
        }
      }
      pieces = next;
      if (pieces.length === 0) break;
    }
    for (const p of pieces) won.push(p);
  }
  for (const w of won) kept.push(w);
}

/**
 * Settles overlaps: the most specific type wins, then the longest span. A heuristic span that
 * loses only part of itself keeps the rest (a name next to an e-mail is still a name); a
 * validated one that loses any part is dropped, since its remainder no longer validates.
 * Returns the kept spans in text order.
 */
export function resolveSpans(spans: Span[]): Span[] {
  if (spans.length <= 1) return spans;
  const byStart = spans.slice().sort((a, b) => a.start - b.start);
  const kept: Span[] = [];
  let cluster: Span[] = [byStart[0] as Span];
  let clusterEnd = (byStart[0] as Span).end;
  for (let i = 1; i < byStart.length; i++) {
    const span = byStart[i] as Span;
    if (span.start < clusterEnd) {
      cluster.push(span);
      if (span.end > clusterEnd) clusterEnd = span.end;
    } else {
      resolveCluster(cluster, kept);
      cluster = [span];
      clusterEnd = span.end;
    }
  }
  resolveCluster(cluster, kept);
  return kept.length > 1 ? kept.sort((a, b) => a.start - b.start) : kept;
}

// Street addresses in free text: a house number next to a street-type word, in the word orders of
// EN/FR (number first) and DE/NL/ES/IT/PL/SE (street first), optionally followed by a postal code
// and a town ("Lindenstraße 12, 10115 Berlin").

import type { Detector, Span, TextStats } from '../spans.ts';
import { COUNTRY_NAMES_TOO } from './countries.ts';
import { LETTER, LOWER, UPPER } from './letters.ts';
import {
  ADDRESS_WORDS,
  BLOCK_LABEL_WORDS,
  COUNTRY_ANY_CASE,
  COUNTRY_CAPITALISED,
  SEND_WORDS,
} from './word-tries.ts';

const CAP = `[${UPPER}][${LETTER}'’.-]*`;
const NUM = `\\d{1,5}(?:\\s?[a-zA-Z](?![${LETTER}]))?(?:[-/]\\d{1,4})?`;
// Words that name a street in front of its name.
const LEADING_WORDS = [
  'rue',
  'avenue',
  'av\\.',
  'boulevard',
  'bd',
  'impasse',
  'allée',
  'chemin',
  'place',
  'quai',
  'route',
  'cours',
  'calle',
  'c/',
  'avenida',
  'avda\\.',
  'paseo',
  'plaza',
  'camino',
  'carrer',
  'ronda',
  'via',
  'viale',
  'corso',
  'piazza',
  'largo',
  'vicolo',
  'strada',
  'rambla',
  'ul\\.',
  'pl\\.',
  'ulica',
  'al\\.',
  'aleja',
  'plac',
  'os\\.',
];
// Either case for the first letter ("rue de la Paix", "Rue de la Paix"); Node 20 has no (?i:).
const LEADING = `(?:${LEADING_WORDS.map((w) => `[${w[0]}${w[0]?.toUpperCase()}]${w.slice(1)}`).join('|')})`;
const CONNECT =
  "(?:\\s+(?:de|del|de la|de las|de los|des|du|de l'|d'|della|delle|dei|degli|di|da|la|le|les|el))?";
const NAMED = `(?:${LEADING}${CONNECT}\\s*${CAP}(?:\\s+(?:${CAP}|de|del|la|di|dei|des))*|[gG]ran [vV][íi]a)`;
// Compound street names (DE/NL/SE) and English street types after the name.
const SUFFIXES =
  'straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|straat|laan|plein|gracht|kade|singel|dijk|steeg|gatan|vägen|väg|gränd|torget|stigen';
// "Lindenstraße", and hyphenated names with the type capitalised: "Karl-Marx-Allee".
const COMPOUND = `[${UPPER}][${LETTER}-]*(?:${SUFFIXES}|-(?:Straße|Strasse|Allee|Platz|Weg|Ring|Damm|Ufer|Gasse|Chaussee|Straat|Laan|Gatan|Vägen))`;
const GERMAN_PREP = `(?:Am|An der|Auf dem|Auf der|Im|In der|Zum|Zur|Unter den|Hinter der)\\s+${CAP}`;
const EN_TYPE =
  '(?:Street|St\\.?|Road|Rd\\.?|Avenue|Ave\\.?|Lane|Ln\\.?|Drive|Dr\\.?|Boulevard|Blvd\\.?|Court|Ct\\.?|Place|Pl\\.?|Way|Close|Crescent|Terrace|Square|Sq\\.?|Gardens|Grove|Row|Mews|Hill|Parkway|Pkwy\\.?)';
const EN_NAMED = `(?:${CAP}\\s+){1,3}${EN_TYPE}(?![${LETTER}])`;
// Postal code and town after the street: 10115 Berlin, 1011 AB Amsterdam, 02-123 Warszawa, 123 45 Stockholm, SW1A 1AA London.
const TOWN = `(?:,?\\s+(?:\\d{5}|\\d{4}\\s?[A-Z]{2}|\\d{2}-\\d{3}|\\d{3}\\s\\d{2}|\\d{4}|[A-Z]{1,2}\\d[A-Z\\d]?\\s\\d[A-Z]{2})\\s+${CAP}(?:\\s+${CAP})?)?`;

const STREET_FIRST = new RegExp(
  `(?<![${LETTER}\\d])(?:${NAMED}|${COMPOUND}|${GERMAN_PREP}),?\\s+${NUM}(?![${LETTER}\\d])${TOWN}`,
  'g',
);
const NUMBER_FIRST = new RegExp(`(?<![${LETTER}\\d])${NUM},?\\s+(?:${NAMED}|${EN_NAMED})${TOWN}`, 'g');

// Number-first streets written in any case ("23 8 wressle road suite 771", "98 árpád fejedelem útja 45").
const ANY_WORD = `[${LETTER}][${LETTER}'’.-]*`;
const ANY_TYPE =
  'road|rd|street|avenue|ave|lane|drive|boulevard|blvd|highway|hwy|parkway|útja|utca|ulice|třída|náměstí|' +
  'straße|strasse|gasse|vej|gade|gata|gatan|vägen|katu|tie|rkp';
const LOOSE_STREET = new RegExp(
  `(^|[^${LETTER}\\d])(\\d{1,5}(?:\\s+\\d{1,5})?\\s+(?:${ANY_WORD}\\s+){1,3}(?:${ANY_TYPE})\\.?(?![${LETTER}])(?:\\s+\\d{1,5}[a-zA-Z]?(?![${LETTER}\\d]))?)`,
  'gi',
);
// These consume the character before instead of looking behind: V8 then scans for their first
// characters rather than testing every position.
// Apartment and suite numbers: "Apt. 018", "suite 771".
const UNIT = new RegExp(
  `(^|[^${LETTER}])((?:apt|apartment|appt|suite|ste|flat|whg|lgh)\\.?\\s*#?\\s*\\d{1,5}[A-Za-z]?(?![${LETTER}\\d]))`,
  'gi',
);
// A postal code after its label: "ZIP: 11164", "PLZ 10115", "postcode SW1A 1AA".
const POSTAL_LABELLED = new RegExp(
  `(^|[^${LETTER}])(?:zip(?: ?code)?|postal code|post ?code|plz|code postal|c[oó]digo postal|cap|postnummer|kod pocztowy|postcode)\\s*[:#]?\\s*(?=[A-Z0-9]*\\d)([A-Z0-9]{2,5}(?:[ -][A-Z0-9]{2,4})?)(?![${LETTER}\\d])`,
  'gi',
);
// Countries: capitalised (a few that are also given names or words only next to a postal code), any
// case inside an address block; a postal code right before or after belongs with them. A country
// is part of an address, not personal data on its own: "shipping to Germany" and "France" in prose
// are left alone, and a country counts only with a postal code, inside a block, or a few words
// after another part of an address ("Lindenstraße 12, 10115 Berlin, Germany").
const POSTAL = '\\d{4,6}|\\d{3} \\d{2}|\\d{2}-\\d{3}';
const COUNTRY_CAP = new RegExp(
  `(?<![${LETTER}])(${COUNTRY_CAPITALISED})(?:,?\\s+(?:${POSTAL})(?!\\d))?(?![${LETTER}])`,
  'g',
);
const CODE_BEFORE = new RegExp(`(?<![\\d])(?:${POSTAL}),?\\s+$`);
// Labels and phrases after which an address or a place follows, to the end of the block
// (./word-tries.ts).
const ADDRESS_SET = new Set(ADDRESS_WORDS.split('|'));
const SEND_SET = new Set(SEND_WORDS.split('|'));
const BLOCK_LABEL = new RegExp(`(^|[^${LETTER}])(${BLOCK_LABEL_WORDS})(?![${LETTER}])`, 'gi');
const BLOCK_END =
  /[.!?](?=\s+[A-Z])|[!?;|{}"\t]|,?\s(?:for|but|because|since|please|thanks|thank|which|who|and i|i|in case|by|is|was|are)(?![A-Za-z])|\s[A-Za-z]+:\s|\.\s*$/;
// What an "address" label can name that is not a postal address: "IP address", "MAC-Adresse", "e-mail address".
const NOT_POSTAL = /(?:ip|mac|e-?mail|mail|web|wallet|server|host|network|hardware|bitcoin|ipv[46])[\s-]*$/i;
const MAX_BLOCK = 160;
const CAP_WORD = `[${UPPER}][${LETTER}'’.-]*[${LETTER}]`;
const PLACE_RUN = new RegExp(
  `^${CAP_WORD}(?:(?:[ -]|,\\s)(?:(?:nad|pod|de|del|de la|la|le|am|an|upon|on|sur|di|da|van|von|and)\\s)?${CAP_WORD}){0,4}(?:,?\\s(?:\\d{1,3}|${POSTAL})(?![\\d${LETTER}]))?`,
);
const NAME_LINE = new RegExp(
  `^[${LETTER}][${LOWER}'’-]+\\s+[${LETTER}][${LOWER}'’-]+(?:\\s+[${LETTER}][${LOWER}'’-]+)?$`,
);
// Any case with a postal code after it: "tunisia 13222". Found from the code, then the words before.
const POSTAL_CODE = new RegExp(`(?<![\\w.,-])(?:${POSTAL})(?![\\w-])`, 'g');
const COUNTRY_BEFORE = new RegExp(`(?<![${LETTER}])${COUNTRY_ANY_CASE},?\\s+$`, 'i');

function push(out: Span[], start: number, end: number, subtype: string): void {
  out.push({ start, end, type: 'ADDRESS', subtype, detector: 'address' });
}

/** The lines after an address label: up to a blank line after content, a sentence end or a new label. */
function addressBlock(text: string, from: number, place: boolean, street: boolean, out: Span[]): number {
  let p = from;
  // ", here they are:" — skip to a colon close by.
  const colon = text.slice(p, p + 30).search(/^[^\n\d:]{0,28}:/);
  if (colon === 0) p = text.indexOf(':', p) + 1;
  const lead = /^\s*(?:(?:is|are|was|with|to|at|as|of|in|on|:|=|-)\s+|:)?\s*/.exec(text.slice(p, p + 20));
  p += lead ? lead[0].length : 0;
  if (p >= text.length) return from;
  const first = text.charAt(p);
  // "IP address 58.74.121.78", "MAC address 6dd7.00e8.efe8": network addresses, found elsewhere.
  if (/^(?:\d{1,3}\.){3}|^[0-9a-f]{2}[:-][0-9a-f]{2}[:-]|^[0-9a-f]{4}\./i.test(text.slice(p, p + 12)))
    return from;
  if (street && !/\d/.test(first)) return from;
  if (place) {
    // A place is a run of capitalised words: "Ústí nad Labem 2", "Paris, France 75001".
    const run = PLACE_RUN.exec(text.slice(p, p + MAX_BLOCK));
    if (!run) return from;
    push(out, p, p + run[0].length, 'PLACE');
    return p + run[0].length;
  }
  let end = p;
  let lines = 0;
  let at = p;
  while (at < text.length && at - p < MAX_BLOCK && lines < 6) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, Math.min(nl, p + MAX_BLOCK));
    const stop = BLOCK_END.exec(line);
    const part = stop ? line.slice(0, stop.index) : line;
    if (part.trim().length > 0) end = at + part.replace(/[\s,.:]+$/, '').length;
    else if (end > p) break;
    if (stop || (place && lines === 0)) break;
    // Prose, not an address line.
    if (part.split(/\s+/).length > 9) break;
    lines++;
    at = nl + 1;
  }
  if (end <= p) return from;
  const block = text.slice(p, end);
  if (!place && !/\d/.test(block) && !/^[0-9A-ZÀ-ÖØ-Þ]/.test(block)) return from;
  // A name on the first line ("billing address: tracy sukhorukova\n 23 wressle road") is a person.
  const firstLine = block.split(/\n|,/)[0] as string;
  if (
    !place &&
    firstLine.length < block.length &&
    !/\d/.test(firstLine) &&
    NAME_LINE.test(firstLine.trim())
  ) {
    const rest = p + firstLine.length;
    out.push({
      start: p,
      end: p + firstLine.trimEnd().length,
      type: 'PERSON',
      subtype: 'LABELLED',
      detector: 'address',
    });
    const restStart = rest + (/^[\s,]*/.exec(text.slice(rest, end))?.[0].length ?? 0);
    if (restStart < end) push(out, restStart, end, 'BLOCK');
  } else push(out, p, end, 'BLOCK');
  return end;
}

/** A country with nothing of an address around it yet; dropped unless joined to one (joinLines). */
const BARE_COUNTRY = 'BARE_COUNTRY';

export const addressDetector: Detector = {
  name: 'address',
  types: ['ADDRESS'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.spaces === 0 || stats.letters < 3) return;
    const first = out.length;
    detectParts(text, stats, out);
    if (out.length - first > 1) joinLines(text, out, first);
    let kept = first;
    for (let i = first; i < out.length; i++) {
      const span = out[i] as Span;
      if (span.subtype !== BARE_COUNTRY) out[kept++] = span;
    }
    out.length = kept;
  },
};

// Pieces of one address a line or a few words apart ("… apt. 614\n pomáz\n tunisia 13222") are
// one address: the town between them is part of it.
const GAP = new RegExp(`^[\\s,;?•·|-]*(?:(?:[${LETTER}'’.-]+|\\d{1,3})[\\s,;?•·|-]+){0,3}$`);
const MAX_GAP = 40;

function joinLines(text: string, out: Span[], first: number): void {
  const mine = out.splice(first).sort((a, b) => a.start - b.start);
  let current = mine[0] as Span;
  for (let i = 1; i < mine.length; i++) {
    const next = mine[i] as Span;
    if (
      current.type === 'ADDRESS' &&
      next.type === 'ADDRESS' &&
      next.start >= current.end &&
      next.start - current.end <= MAX_GAP &&
      GAP.test(text.slice(current.end, next.start))
    ) {
      // A country that leads an address ("Germany, Lindenstraße 12") takes the next part's kind.
      const subtype = current.subtype === BARE_COUNTRY ? next.subtype : current.subtype;
      current = { ...current, subtype, end: Math.max(current.end, next.end) };
      continue;
    }
    out.push(current);
    current = next;
  }
  out.push(current);
}

function detectParts(text: string, stats: TextStats, out: Span[]): void {
  // Street patterns first: where a block or a country covers the same text, they name it.
  if (stats.digits > 0) {
    for (const re of [UNIT, LOOSE_STREET, POSTAL_LABELLED]) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const value = m[2] as string;
        const start = m.index + m[0].length - value.length;
        push(out, start, start + value.length, 'STREET');
      }
    }
    for (const re of [STREET_FIRST, NUMBER_FIRST]) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text))
        out.push({
          start: m.index,
          end: m.index + m[0].length,
          type: 'ADDRESS',
          subtype: 'STREET',
          detector: 'address',
        });
    }
  }
  BLOCK_LABEL.lastIndex = 0;
  for (let m = BLOCK_LABEL.exec(text); m !== null; m = BLOCK_LABEL.exec(text)) {
    const label = (m[2] as string).toLowerCase();
    const at = m.index + (m[1] as string).length;
    const isAddress = ADDRESS_SET.has(label);
    if (isAddress && NOT_POSTAL.test(text.slice(Math.max(0, at - 12), at))) continue;
    const send = SEND_SET.has(label);
    // "lives at 87 Jakobi 69" and "located at" take a street; "lives in", "grew up in" a place.
    const place = !isAddress && !send && !/(?:at|on)$/.test(label);
    const end = addressBlock(text, m.index + m[0].length, place, send, out);
    if (end > BLOCK_LABEL.lastIndex) BLOCK_LABEL.lastIndex = end;
  }
  if (stats.digits >= 4) {
    POSTAL_CODE.lastIndex = 0;
    for (let m = POSTAL_CODE.exec(text); m !== null; m = POSTAL_CODE.exec(text)) {
      const before = text.slice(Math.max(0, m.index - 40), m.index);
      const c = COUNTRY_BEFORE.exec(before);
      if (c) push(out, m.index - before.length + c.index, m.index + m[0].length, 'COUNTRY');
    }
  }
  if (stats.upper > 0) {
    COUNTRY_CAP.lastIndex = 0;
    for (let m = COUNTRY_CAP.exec(text); m !== null; m = COUNTRY_CAP.exec(text)) {
      const name = m[1] as string;
      // "10115 Germany": the code before belongs with it too.
      const code = CODE_BEFORE.exec(text.slice(Math.max(0, m.index - 10), m.index));
      const withCode = code !== null || m[0].length > name.length;
      // "Jordan", "Chad", "Turkey" are names and words too: only with a postal code.
      if (!withCode && COUNTRY_NAMES_TOO.has(name.toLowerCase())) continue;
      push(
        out,
        m.index - (code ? code[0].length : 0),
        m.index + m[0].length,
        withCode ? 'COUNTRY' : BARE_COUNTRY,
      );
    }
  }
}

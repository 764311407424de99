// Passport and identity-card numbers and dates of birth have no checksum anyone can rely on
// across countries, so they are found by the words in front of them, in the languages of the
// default phone regions. The value must follow its context word within a few characters.

import type { Detector, Span, TextStats } from '../spans.ts';
import type { EntityType } from '../types.ts';
import { LETTER } from './letters.ts';

const DOB_WORDS = [
  'date of birth',
  'birth date',
  'birthdate',
  'birthday',
  'd\\.o\\.b\\.?',
  'dob',
  'born(?: on)?',
  'geburtsdatum',
  'geburtstag',
  'geb\\.',
  'geboren(?: am)?',
  'née? le',
  'née?',
  'date de naissance',
  'fecha de nacimiento',
  'f\\. nac\\.',
  'nacid[oa](?: el)?',
  'data di nascita',
  'nat[oa](?: il)?',
  'geboortedatum',
  'geboren op',
  'data urodzenia',
  'urodzon[ya]',
  'födelsedatum',
  'född',
];
const PASSPORT_WORDS = [
  'passport(?: (?:no\\.?|number|nr\\.?|#))?',
  'reisepass(?:nummer|-?nr\\.?)?',
  'passnummer',
  'pass-?nr\\.?',
  'passeport',
  'n° de passeport',
  'pasaporte',
  'passaporto',
  'paspoort(?:nummer)?',
  'paszport(?:u)?',
  'pass(?:nummer)?',
];
const ID_CARD_WORDS = [
  'id[- ]card(?: (?:no\\.?|number|#))?',
  'identity card(?: (?:no\\.?|number))?',
  'national id card(?: (?:no.?|number))?',
  'personalausweis(?:nummer|-?nr\\.?)?',
  'ausweis(?:nummer|-?nr\\.?)?',
  "carte (?:nationale )?d['’]identité",
  'cni',
  'documento (?:nacional )?de identidad',
  "carta d['’]identità",
  'identiteitskaart',
  'id-kaart',
  'dowód osobisty',
  'dowodu osobistego',
  'id-kort',
];

const group = (words: string[]): string => words.join('|');
const CONTEXT = new RegExp(
  `(?<![${LETTER}])(?:(${group(DOB_WORDS)})|(${group(PASSPORT_WORDS)})|(${group(ID_CARD_WORDS)}))(?![${LETTER}])`,
  'gi',
);
// What may sit between the context word and the value: "number", "no.", ':', quotes and the like.
// („ and “ as escapes: scripts/bundle.mjs keeps the bundle's code within Latin-1.)
const GAP =
  /^\s*(?:(?:number|nummer|numéro|número|numero|numer|no\.?|nr\.?|n[°º.]|#|:|=|-|is|ist|est|es|è|on|am|le|el|il|op|["'«\u201E\u201C])\s*)*/i;
const DATE_SHAPES = `(?:\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}|\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}|\\d{1,2}\\.?\\s+[${LETTER}]{3,10}\\.?\\s+\\d{4}|[${LETTER}]{3,10}\\.?\\s+\\d{1,2},?\\s+\\d{4})`;
const DATE = new RegExp(`^${DATE_SHAPES}`);
const DATE_NEAR = new RegExp(`(?<![\\d${LETTER}])${DATE_SHAPES}(?!\\d)`);
// Document numbers are capitals and digits without spaces (C01X00T47, 18AB12345), 6 to 14 long.
const DOC_NUMBER = new RegExp(`^[A-Z0-9]{6,14}(?![${LETTER}\\d])`);
// Further on ("the ID card number of Ms Weber is RC80ZNKWJ") only mixed letters and digits count.
const DOC_NUMBER_NEAR = /(?<![A-Za-z0-9])(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{6,14}(?![A-Za-z0-9])/;
const WINDOW = 48;

/** The value right after the context word (past GAP), else the first likely one in the window. */
function valueAfter(text: string, from: number, type: EntityType): [number, number] | undefined {
  const rest = text.slice(from, from + WINDOW);
  const offset = GAP.exec(rest)?.[0].length ?? 0;
  const tail = rest.slice(offset);
  const at = (index: number, length: number): [number, number] => [from + index, from + index + length];
  if (type === 'DATE_OF_BIRTH') {
    const direct = DATE.exec(tail);
    if (direct) return at(offset, direct[0].length);
    const near = DATE_NEAR.exec(rest);
    return near ? at(near.index, near[0].length) : undefined;
  }
  const m = DOC_NUMBER.exec(tail);
  // A document number has a digit, or is long: "Reisepass GÜLTIG" is not one.
  if (m && (/\d/.test(m[0]) || m[0].length >= 8)) return at(offset, m[0].length);
  const near = DOC_NUMBER_NEAR.exec(rest);
  return near ? at(near.index, near[0].length) : undefined;
}

export const contextDetector: Detector = {
  name: 'context',
  types: ['DATE_OF_BIRTH', 'PASSPORT', 'ID_CARD'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    // The shortest hit is "dob 1.2.80": a word, a separator, a date; or a document number of
    // capitals only.
    if (stats.letters < 3 || stats.length < 10 || stats.spaces + stats.colons === 0) return;
    if (stats.digits === 0 && stats.upper < 6) return;
    CONTEXT.lastIndex = 0;
    for (let m = CONTEXT.exec(text); m !== null; m = CONTEXT.exec(text)) {
      const type: EntityType =
        m[1] !== undefined ? 'DATE_OF_BIRTH' : m[2] !== undefined ? 'PASSPORT' : 'ID_CARD';
      const span = valueAfter(text, m.index + m[0].length, type);
      if (span) {
        out.push({ start: span[0], end: span[1], type, subtype: undefined, detector: 'context' });
        CONTEXT.lastIndex = span[1];
      }
    }
  },
};

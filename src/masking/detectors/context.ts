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
  'national id(?: card)?(?: (?:no\\.?|number))?',
  'personalausweis(?:nummer|-?nr\\.?)?',
  'ausweis(?:nummer|-?nr\\.?)?',
  "carte (?:nationale )?d['’]identité",
  'cni',
  'documento (?:nacional )?de identidad',
  "carta d['’]identità",
  'identiteitskaart',
  'id-kaart',
  'dowód osobisty',
  'id-kort',
];

const group = (words: string[]): string => words.join('|');
const CONTEXT = new RegExp(
  `(?<![${LETTER}])(?:(${group(DOB_WORDS)})|(${group(PASSPORT_WORDS)})|(${group(ID_CARD_WORDS)}))(?![${LETTER}])`,
  'gi',
);
// What may sit between the context word and the value: "number", "no.", ':' and the like.
const GAP =
  /^\s*(?:(?:number|nummer|numéro|número|numero|numer|no\.?|nr\.?|n°|#|:|=|-|is|ist|est|es|è|on|am|le|el|il|op)\s*)*/i;
const DATE = new RegExp(
  `^(?:\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}|\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}|\\d{1,2}\\.?\\s+[${LETTER}]{3,10}\\.?\\s+\\d{4}|[${LETTER}]{3,10}\\.?\\s+\\d{1,2},?\\s+\\d{4})`,
);
// Document numbers are written without spaces (C01X00T47, 18AB12345); 6 to 14 characters.
const DOC_NUMBER = new RegExp(`^[A-Z0-9]{6,14}(?![${LETTER}\\d])`, 'i');

function valueAfter(text: string, from: number, type: EntityType): [number, number] | undefined {
  const rest = text.slice(from, from + 48);
  const gap = GAP.exec(rest);
  const offset = gap ? gap[0].length : 0;
  const tail = rest.slice(offset);
  if (type === 'DATE_OF_BIRTH') {
    const m = DATE.exec(tail);
    return m ? [from + offset, from + offset + m[0].length] : undefined;
  }
  const m = DOC_NUMBER.exec(tail);
  // A document number has at least two digits; "Reisepass gültig" is not one.
  if (!m || (m[0].match(/\d/g)?.length ?? 0) < 2) return undefined;
  return [from + offset, from + offset + m[0].length];
}

export const contextDetector: Detector = {
  name: 'context',
  types: ['DATE_OF_BIRTH', 'PASSPORT', 'ID_CARD'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    // The shortest hit is "dob 1.2.80": a word, a separator, a date.
    if (stats.digits < 2 || stats.letters < 3 || stats.length < 10 || stats.spaces + stats.colons === 0)
      return;
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

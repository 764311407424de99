// Person names in free text without a model: an honorific ("Frau Dr. Weber"), a label ("Name:",
// "my name is"), a cue that introduces a person in the default languages ("Dear", "Contact",
// "account holder", "au nom de", "intestato a", "mottagare:"), or a known given name followed
// by a capitalised surname — with the particles of those languages (van der, de, von, di, …).

import type { Detector, Span, TextStats } from '../spans.ts';
import { COUNTRIES, COUNTRY_NAMES_TOO } from './countries.ts';
import { FIRST_NAMES } from './first-names.ts';
import { LETTER, LOWER, UPPER } from './letters.ts';
import { AMBIGUOUS, GIVEN_NAMES, SURNAME_SET, WORDY_SURNAME_SET } from './name-lists.ts';
import { BORN, CUE, LABEL, LOWER_GIVEN_NAMES, SAYS } from './word-tries.ts';

const WORD = `[${UPPER}][${LOWER}'’-]*[${LOWER}]`;
const PARTICLE = "(?:van|von|der|den|de|di|da|del|della|dos|du|le|la|ten|ter|zu|d'|l')";
const SURNAME = `(?:${PARTICLE}\\s+){0,2}${WORD}(?:-${WORD})?`;
const NAME = `${WORD}(?:\\s+${SURNAME}){0,3}`;

const HONORIFIC =
  '(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|M|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta|Señor|Señora|Don|Doña|Sig|Sig\\.ra|Signor|Signora|Dott|Dott\\.ssa|Dhr|Mevr|Mevrouw|Meneer|Pan|Pani)';

const TITLED = new RegExp(`(?<![${LETTER}])${HONORIFIC}\\.?\\s+(?:${WORD}\\s+){0,2}${SURNAME}`, 'g');
const LABELLED = new RegExp(`(?<![${LETTER}])${LABEL}(?:\\s*[:=]\\s*["']?|\\s+${SAYS}\\s+)(${NAME})`, 'g');
const CUED = new RegExp(`(?<![${LETTER}])${CUE}[,:]?\\s+(${NAME})`, 'g');
// A name the sentence then gives a birth date for: "Aoife Raman, geboren am 18.03.1990".
const BEFORE_BIRTH = new RegExp(
  `(?<![${LETTER}])(${WORD}(?:\\s+${SURNAME}){1,3}),?\\s+${BORN}(?![${LETTER}])`,
  'g',
);
const GIVEN_THEN_SURNAME = new RegExp(`(?<![${LETTER}])(${WORD})((?:\\s+${WORD}){0,1}\\s+${SURNAME})?`, 'g');
// Names written in lower case ("tracy sukhorukova"): a known given name and a known surname, or a
// known given name followed by a word that is not a common function word.
const LOWER_WORD = `[${LOWER}][${LOWER}'’-]*[${LOWER}]`;
// The character before is consumed rather than looked behind: V8 then scans for the names' first
// letters instead of testing every position (3× faster on long texts).
const LOWER_PAIR = new RegExp(
  `(^|[^${LETTER}@./_-])(${LOWER_GIVEN_NAMES})(?![${LETTER}@./_-])(?:\\s+(${LOWER_WORD})(?![${LETTER}@./_-]))?`,
  'g',
);
// A lower-case honorific with its dot ("ms. Wijtze", "mr. smith").
const LOWER_TITLED = new RegExp(
  `(?:^|[^${LETTER}\\d])(?:mr|mrs|ms|dr|prof|mme|mlle|sr|sra)\\.\\s+((?:[${LETTER}][${LOWER}'’-]*[${LOWER}])(?:\\s+${WORD})?)`,
  'g',
);
const NOT_A_NAME = new Set(
  (
    'the a an this that these those it he she they we you i my our your his her their yes no not hello hi ' +
    'hey thanks thank okay ok sure please sorry sir madam everyone everybody all team guys folks nothing ' +
    'something someone anyone nobody today tomorrow yesterday now then there here what why how when where'
  ).split(' '),
);
const FUNCTION_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for from with without about as is are was were be been ' +
    'has have had do does did will would can could should may might must shall not no yes this that these ' +
    'those it its he she they we you i me my his her our their your him them us who whom which what when ' +
    'where why how there here then than so too very just also only even still again ever never always ' +
    'said says told asked gave given get got go goes went come came see saw make made take took know knew ' +
    'want wants like likes lives live lived has is street road avenue lane drive st rd ave'
  ).split(' '),
);

// "ship to France", "call Germany": after a cue, a country is where to, not who (except the few
// countries that are also given names: "my kid Mali").
const COUNTRY_SET: ReadonlySet<string> = new Set(COUNTRIES.filter((c) => !COUNTRY_NAMES_TOO.has(c)));

function pushGroup(re: RegExp, text: string, subtype: string, out: Span[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = m[1] as string;
    const start = m.index + m[0].length - name.length;
    // "said Hello to the team", "told The Times": a common word after the cue is not a name.
    const head = name.split(/\s/, 1)[0] as string;
    if (subtype === 'CUED' && (NOT_A_NAME.has(head.toLowerCase()) || COUNTRY_SET.has(name.toLowerCase())))
      continue;
    out.push({ start, end: start + name.length, type: 'PERSON', subtype, detector: 'person' });
  }
}

function pushNameBefore(re: RegExp, text: string, out: Span[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = m[1] as string;
    out.push({
      start: m.index,
      end: m.index + name.length,
      type: 'PERSON',
      subtype: 'CUED',
      detector: 'person',
    });
  }
}

export const personDetector: Detector = {
  name: 'person',
  types: ['PERSON'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.spaces === 0 || stats.length < 4) return;
    detectLowerNames(text, out);
    if (stats.upper === 0) return;
    TITLED.lastIndex = 0;
    for (let m = TITLED.exec(text); m !== null; m = TITLED.exec(text))
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        type: 'PERSON',
        subtype: 'TITLED',
        detector: 'person',
      });
    pushGroup(LABELLED, text, 'LABELLED', out);
    pushGroup(CUED, text, 'CUED', out);
    pushNameBefore(BEFORE_BIRTH, text, out);
    GIVEN_THEN_SURNAME.lastIndex = 0;
    for (let m = GIVEN_THEN_SURNAME.exec(text); m !== null; m = GIVEN_THEN_SURNAME.exec(text)) {
      const word = m[1] as string;
      // "Arne's address" (or Arne’s, U+2019): the possessive is not part of the name.
      const possessive = m[2] === undefined && /['\u2019]s$/.test(word);
      const given = possessive ? word.slice(0, -2) : word;
      const lower = given.toLowerCase();
      // A known given name with a surname, or alone when it is not also a common word.
      let known = FIRST_NAMES.has(given) || GIVEN_NAMES.has(lower);
      // An unknown first name before a known, unambiguous surname: "Delvis Lindqvist".
      if (!known && m[2] !== undefined && !NOT_A_NAME.has(lower)) {
        const last = (m[2].trim().split(/\s+/).pop() as string).toLowerCase();
        known = last.length > 4 && SURNAME_SET.has(last) && !WORDY_SURNAME_SET.has(last);
      }
      if (
        known &&
        (m[2] !== undefined || (!AMBIGUOUS.has(lower) && given.length > 3 && given !== given.toUpperCase()))
      )
        out.push({
          start: m.index,
          end: m.index + (possessive ? given.length : m[0].length),
          type: 'PERSON',
          subtype: 'GIVEN_NAME',
          detector: 'person',
        });
      else GIVEN_THEN_SURNAME.lastIndex = m.index + word.length;
    }
  },
};

/** Lower-case names; runs on texts with lower-case letters only. */
export function detectLowerNames(text: string, out: Span[]): void {
  pushGroup(LOWER_TITLED, text, 'TITLED', out);
  LOWER_PAIR.lastIndex = 0;
  for (let m = LOWER_PAIR.exec(text); m !== null; m = LOWER_PAIR.exec(text)) {
    const start = m.index + (m[1] as string).length;
    const first = m[2] as string;
    const second = m[3];
    {
      const pair =
        second !== undefined &&
        (SURNAME_SET.has(second) || (!FUNCTION_WORDS.has(second) && second.length > 2));
      if (!pair && first.length < 4) {
        LOWER_PAIR.lastIndex = start + first.length;
        continue;
      }
      out.push({
        start,
        end: pair ? m.index + m[0].length : start + first.length,
        type: 'PERSON',
        subtype: 'GIVEN_NAME',
        detector: 'person',
      });
      if (!pair) LOWER_PAIR.lastIndex = start + first.length;
    }
  }
}

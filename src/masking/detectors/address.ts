// Street addresses in free text: a house number next to a street-type word, in the word orders of
// EN/FR (number first) and DE/NL/ES/IT/PL/SE (street first), optionally followed by a postal code
// and a town ("Lindenstraße 12, 10115 Berlin").

import type { Detector, Span, TextStats } from '../spans.ts';
import { LETTER, UPPER } from './letters.ts';

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

export const addressDetector: Detector = {
  name: 'address',
  types: ['ADDRESS'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.digits === 0 || stats.spaces === 0 || stats.letters < 4) return;
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
  },
};

// Person names in free text without a model: an honorific or a "Name:" label followed by
// capitalised words, or a known given name followed by a capitalised surname (with the particles
// of the default languages: van der, de, von, di, …).

import type { Detector, Span, TextStats } from '../spans.ts';
import { FIRST_NAMES } from './first-names.ts';
import { LETTER, LOWER, UPPER } from './letters.ts';

const WORD = `[${UPPER}][${LOWER}'’-]*[${LOWER}]`;
const PARTICLE = "(?:van|von|der|den|de|di|da|del|della|dos|du|le|la|ten|ter|zu|d'|l')";
const SURNAME = `(?:${PARTICLE}\\s+){0,2}${WORD}(?:-${WORD})?`;
const HONORIFIC =
  '(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|M|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta|Señor|Señora|Don|Doña|Sig|Sig\\.ra|Signor|Signora|Dott|Dott\\.ssa|Dhr|Mevr|Mevrouw|Meneer|Pan|Pani)';
const LABEL =
  '(?:name|full name|customer|contact|patient|employee|nom|nom complet|nombre|nome|naam|imię i nazwisko|namn|kunde|kundin|ansprechpartner|client|cliente|klant|klient)';

const TITLED = new RegExp(`(?<![${LETTER}])${HONORIFIC}\\.?\\s+(?:${WORD}\\s+){0,2}${SURNAME}`, 'g');
const LABELLED = new RegExp(
  `(?<![${LETTER}])${LABEL}\\s*[:=]\\s*["']?(${WORD}(?:\\s+${SURNAME}){0,3})`,
  'gi',
);
const GIVEN_THEN_SURNAME = new RegExp(`(?<![${LETTER}])(${WORD})((?:\\s+${WORD}){0,1}\\s+${SURNAME})`, 'g');

export const personDetector: Detector = {
  name: 'person',
  types: ['PERSON'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.upper === 0 || stats.spaces === 0 || stats.length < 4) return;
    TITLED.lastIndex = 0;
    for (let m = TITLED.exec(text); m !== null; m = TITLED.exec(text))
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        type: 'PERSON',
        subtype: 'TITLED',
        detector: 'person',
      });
    if (stats.colons > 0 || text.includes('=')) {
      LABELLED.lastIndex = 0;
      for (let m = LABELLED.exec(text); m !== null; m = LABELLED.exec(text)) {
        const name = m[1] as string;
        const start = m.index + m[0].length - name.length;
        out.push({
          start,
          end: start + name.length,
          type: 'PERSON',
          subtype: 'LABELLED',
          detector: 'person',
        });
      }
    }
    if (stats.upper < 2) return;
    GIVEN_THEN_SURNAME.lastIndex = 0;
    for (let m = GIVEN_THEN_SURNAME.exec(text); m !== null; m = GIVEN_THEN_SURNAME.exec(text)) {
      if (FIRST_NAMES.has(m[1] as string))
        out.push({
          start: m.index,
          end: m.index + m[0].length,
          type: 'PERSON',
          subtype: 'GIVEN_NAME',
          detector: 'person',
        });
      else GIVEN_THEN_SURNAME.lastIndex = m.index + (m[1] as string).length;
    }
  },
};

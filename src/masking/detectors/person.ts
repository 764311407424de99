// Person names in free text without a model: an honorific ("Frau Dr. Weber"), a label ("Name:",
// "my name is"), a cue that introduces a person in the default languages ("Dear", "Contact",
// "account holder", "au nom de", "intestato a", "mottagare:"), or a known given name followed
// by a capitalised surname — with the particles of those languages (van der, de, von, di, …).

import type { Detector, Span, TextStats } from '../spans.ts';
import { FIRST_NAMES } from './first-names.ts';
import { LETTER, LOWER, UPPER } from './letters.ts';

const WORD = `[${UPPER}][${LOWER}'’-]*[${LOWER}]`;
const PARTICLE = "(?:van|von|der|den|de|di|da|del|della|dos|du|le|la|ten|ter|zu|d'|l')";
const SURNAME = `(?:${PARTICLE}\\s+){0,2}${WORD}(?:-${WORD})?`;
const NAME = `${WORD}(?:\\s+${SURNAME}){0,3}`;

/** Labels and cues match as written, Capitalised or UPPER; the name after them must be capitalised. */
const anyCase = (words: readonly string[]): string =>
  `(?:${words.flatMap((w) => [w, w.charAt(0).toUpperCase() + w.slice(1), w.toUpperCase()]).join('|')})`;

const HONORIFIC =
  '(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|M|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta|Señor|Señora|Don|Doña|Sig|Sig\\.ra|Signor|Signora|Dott|Dott\\.ssa|Dhr|Mevr|Mevrouw|Meneer|Pan|Pani)';
const LABEL = anyCase(
  (
    'name|full name|maiden name|surname|first name|last name|customer|contact|patient|employee|applicant|' +
    'holder|account holder|cardholder|owner|recipient|beneficiary|sender|nom|nom complet|prénom|nombre|' +
    'nome|cognome|naam|imię i nazwisko|nazwisko|namn|kunde|kundin|kontakt|ansprechpartner|kontoinhaber|' +
    'empfänger|client|cliente|klant|klient|titular|destinataire|destinatario|mottagare|odbiorca|' +
    'lieferadresse|adressat'
  ).split('|'),
);
// Cues after which a name follows without a colon.
const CUE = anyCase(
  (
    'dear|hello|hi|hallo|liebe|lieber|sehr geehrte frau|sehr geehrter herr|bonjour|cher|chère|hola|' +
    'estimado|estimada|ciao|gentile|beste|hej|contact|contattare|kontaktieren sie|contacter|contactar|' +
    'call|ring|bel|llame a|chiami|appelez|rufen sie|sie erreichen|reach|account holder is|holder is|' +
    'cardholder|intestato a|a nombre de|au nom de|t\\.n\\.v\\.|issued to|belongs to|ship it to|ship to|' +
    'deliver to|addressed to|on behalf of|im auftrag von|record of|best regards,|kind regards,|regards,|' +
    'mit freundlichen grüßen,|cordialement,|saludos,|cordiali saluti,|met vriendelijke groet,|' +
    'med vänliga hälsningar,|pozdrawiam,|the patient,|registered to|titular|mottagare|odbiorca|kunde|' +
    'kundin|client|cliente|klant|joindre'
  ).split('|'),
);
const SAYS = anyCase(['is', 'ist', 'est', 'es', 'è', 'är', 'jest', 'was']);

const TITLED = new RegExp(`(?<![${LETTER}])${HONORIFIC}\\.?\\s+(?:${WORD}\\s+){0,2}${SURNAME}`, 'g');
const LABELLED = new RegExp(`(?<![${LETTER}])${LABEL}(?:\\s*[:=]\\s*["']?|\\s+${SAYS}\\s+)(${NAME})`, 'g');
const CUED = new RegExp(`(?<![${LETTER}])${CUE}[,:]?\\s+(${NAME})`, 'g');
// A name the sentence then gives a birth date for: "Aoife Raman, geboren am 18.03.1990".
const BORN = anyCase([
  'born',
  'geboren',
  'né',
  'née',
  'nato',
  'nata',
  'nacido',
  'nacida',
  'född',
  'urodzony',
  'urodzona',
]);
const BEFORE_BIRTH = new RegExp(
  `(?<![${LETTER}])(${WORD}(?:\\s+${SURNAME}){1,3}),?\\s+${BORN}(?![${LETTER}])`,
  'g',
);
const GIVEN_THEN_SURNAME = new RegExp(`(?<![${LETTER}])(${WORD})((?:\\s+${WORD}){0,1}\\s+${SURNAME})`, 'g');

function pushGroup(re: RegExp, text: string, subtype: string, out: Span[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = m[1] as string;
    const start = m.index + m[0].length - name.length;
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
    pushGroup(LABELLED, text, 'LABELLED', out);
    pushGroup(CUED, text, 'CUED', out);
    pushNameBefore(BEFORE_BIRTH, text, out);
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

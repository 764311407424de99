// The detectors' word lists that match as regular-expression tries (./trie.ts), built from the
// lists here. Building them runs ~9 ms of not yet compiled code at start (the given names alone
// 3.6 ms), so the bundle has them built: scripts/bundle.mjs evaluates this module at build time
// and puts its exports in the bundle as string literals. From source (tests, tsx) they are built
// on import. Every export is a string.

import { COUNTRIES } from './countries.ts';
import { FIRST_NAMES } from './first-names.ts';
import { AMBIGUOUS, GIVEN_NAMES } from './name-lists.ts';
import { trieSource } from './trie.ts';

// ── Addresses (./address.ts) ─────────────────────────────────────────────────────────────────

const titleCase = (c: string): string =>
  c
    .replace(/(^|[\s-])([^\s-])/g, (_, sep: string, ch: string) => sep + ch.toUpperCase())
    .replace(/ (And|Of) /g, (w) => w.toLowerCase());

/** Countries capitalised ("Bosnia and Herzegovina") or in capitals. */
export const COUNTRY_CAPITALISED = trieSource([
  ...COUNTRIES.map(titleCase),
  ...COUNTRIES.map((c) => c.toUpperCase()),
]);
/** Countries as listed (lower case), for a case-insensitive expression. */
export const COUNTRY_ANY_CASE = trieSource(COUNTRIES);

// Labels and phrases after which an address or a place follows, to the end of the block.
export const ADDRESS_WORDS =
  'address|addresses|adresse|adressen|anschrift|lieferadresse|rechnungsadresse|dirección|direccion|' +
  'domicilio|indirizzo|adres|adress|adresa|adresy';
const PLACE_WORDS =
  'lives at|lives on|living at|live at|lived at|located at|resides at|residing at|moving to|moved to|' +
  'move to|wohnhaft in|wohnt in|bor på|bor i|mieszka w|habite à|vit à|vive en|abita a|woont in|lives in|' +
  'lived in|living in|live in|grew up in|born in|based in|resides in|hometown|where:|moved here from|' +
  'moved from|came from|returned to|arrived at|arrived in|traveled to|travelled to|flew to|relocated to|' +
  'emigrated to|immigrated to|visiting|visited';
export const SEND_WORDS =
  'return to|return it to|send to|send it to|ship to|ship it to|deliver to|delivered to|deliver it to|' +
  'mail to|mail it to|post to|post it to';
export const BLOCK_LABEL_WORDS = trieSource([ADDRESS_WORDS, PLACE_WORDS, SEND_WORDS].join('|').split('|'));

// ── Person names (./person.ts) ───────────────────────────────────────────────────────────────

/** Labels and cues match as written, Capitalised or UPPER; the name after them must be capitalised. */
const anyCase = (words: readonly string[]): string =>
  trieSource(words.flatMap((w) => [w, w.charAt(0).toUpperCase() + w.slice(1), w.toUpperCase()]));

export const LABEL = anyCase(
  (
    'name|full name|maiden name|surname|first name|last name|customer|contact|patient|employee|applicant|' +
    'holder|account holder|cardholder|owner|recipient|beneficiary|sender|nom|nom complet|prénom|nombre|' +
    'nome|cognome|naam|imię i nazwisko|nazwisko|namn|kunde|kundin|kontakt|ansprechpartner|kontoinhaber|' +
    'empfänger|client|cliente|klant|klient|titular|destinataire|destinatario|mottagare|odbiorca|' +
    'lieferadresse|adressat'
  ).split('|'),
);
// Cues after which a name follows without a colon.
export const CUE = anyCase(
  (
    'dear|hello|hi|hallo|liebe|lieber|sehr geehrte frau|sehr geehrter herr|bonjour|cher|chère|hola|' +
    'estimado|estimada|ciao|gentile|beste|hej|contact|contattare|kontaktieren sie|contacter|contactar|' +
    'call|ring|bel|llame a|chiami|appelez|rufen sie|sie erreichen|reach|account holder is|holder is|' +
    'cardholder|intestato a|a nombre de|au nom de|t.n.v.|issued to|belongs to|ship it to|ship to|' +
    'deliver to|addressed to|on behalf of|im auftrag von|record of|best regards,|kind regards,|regards,|' +
    'mit freundlichen grüßen,|cordialement,|saludos,|cordiali saluti,|met vriendelijke groet,|' +
    'med vänliga hälsningar,|pozdrawiam,|the patient,|registered to|titular|mottagare|odbiorca|kunde|' +
    'kundin|client|cliente|klant|joindre|' +
    // Verbs and relations after which a capitalised word is a person ("says Eklund", "call me Roland").
    'says|said|asked|told|tells|replied|shouted at|spoke to|talked to|call me|calls me|called me|named|' +
    'nicknamed|starring|featuring|feat.|assistant to|follow up with|met with|married|husband|wife|' +
    'son|daughter|brother|sister|mother|father|partner|kid|friend|colleague|boss|' +
    "partner's name|my name|his name|her name|last name?|first name?|name"
  ).split('|'),
);
export const SAYS = anyCase(['is', 'ist', 'est', 'es', 'è', 'är', 'jest', 'was']);

// A name the sentence then gives a birth date for: "Aoife Raman, geboren am 18.03.1990".
export const BORN = anyCase([
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

/** Known given names in lower case, but those that are also common words. */
export const LOWER_GIVEN_NAMES = trieSource(
  new Set(
    [...GIVEN_NAMES, ...[...FIRST_NAMES].map((n) => n.toLowerCase())].filter(
      (n) => !AMBIGUOUS.has(n) && n.length > 2 && !n.includes('-'),
    ),
  ),
);

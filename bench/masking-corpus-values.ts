// Fake personal values for the masking corpus, each with valid check digits where the real thing
// has them, and their look-alikes with broken check digits (negatives). Customers come from the
// demo CRM generator; the schemes it does not cover (US SSN, UK NINO and NHS, ES NIE, cards,
// passports, secrets) are made here the same way: seeded, invented, shaped like the real thing.

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { dniLetter, ibanCheckDigits, luhnCheckDigit } from '../demo/crm/checksums.ts';
import type { Customer } from '../demo/crm/data.ts';
import type { CountryCode } from '../demo/crm/locales.ts';
import type { Random } from '../demo/crm/random.ts';
import type { EntityType } from '../src/masking/types.ts';

/** A value the masker must find, with the type it must find it as (a class, so JSON trees can tell it apart). */
export class Labelled {
  constructor(
    readonly type: EntityType,
    readonly value: string,
  ) {}
}

export const label = (type: EntityType, value: string): Labelled => new Labelled(type, value);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64URL = `${ALNUM}-_`;

export const charsOf = (r: Random, alphabet: string, n: number): string =>
  Array.from({ length: n }, () => alphabet.charAt(r.int(0, alphabet.length - 1))).join('');

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const groups = (text: string, size: number, sep = ' '): string =>
  text.match(new RegExp(`.{1,${size}}`, 'g'))?.join(sep) ?? text;

/** Whether a phone number is one libphonenumber accepts: the gold labels only real shapes. */
export function isValidPhone(phone: string): boolean {
  return parsePhoneNumberFromString(phone)?.isValid() === true;
}

export function phone(r: Random, c: Customer): Labelled {
  const parsed = parsePhoneNumberFromString(c.phone);
  const style = r.int(0, 3);
  if (parsed === undefined || style === 0) return label('PHONE', c.phone);
  if (style === 1) return label('PHONE', parsed.formatNational());
  if (style === 2) return label('PHONE', parsed.number);
  return label('PHONE', `00${parsed.formatInternational().slice(1)}`);
}

const PL_SORT_CODE_WEIGHTS = [3, 9, 7, 1, 3, 9, 7] as const;

/**
 * The demo's PL IBANs leave out the sort code's own check digit (8th BBAN digit, weights
 * 3,9,7,1,3,9,7, as ibantools checks it), so a validating masker rightly rejects most of them.
 * The corpus sets that digit and recomputes the IBAN check digits.
 */
export function withValidPolishIban(c: Customer): Customer {
  if (c.address.country !== 'PL') return c;
  const bban = c.iban.slice(4);
  const sum = Array.from(bban.slice(0, 7)).reduce(
    (acc, d, i) => acc + Number(d) * (PL_SORT_CODE_WEIGHTS[i] ?? 0),
    0,
  );
  const fixed = `${bban.slice(0, 7)}${(10 - (sum % 10)) % 10}${bban.slice(8)}`;
  return { ...c, iban: `PL${ibanCheckDigits('PL', fixed)}${fixed}` };
}

export function iban(r: Random, c: Customer): Labelled {
  return label('IBAN', r.next() < 0.5 ? c.iban : groups(c.iban, 4));
}

/** An IBAN whose MOD 97-10 check fails: other check digits, or one BBAN digit changed. */
export function brokenIban(r: Random, c: Customer): string {
  const check = Number(c.iban.slice(2, 4));
  let broken: string;
  if (r.next() < 0.5) {
    broken = `${c.iban.slice(0, 2)}${pad(((check + r.int(1, 90) - 2) % 95) + 2, 2)}${c.iban.slice(4)}`;
    if (broken === c.iban) broken = `${c.iban.slice(0, 2)}${pad(check === 2 ? 3 : 2, 2)}${c.iban.slice(4)}`;
  } else {
    const at = c.iban.length - 1 - r.int(0, 5);
    const digit = Number(c.iban.charAt(at));
    broken = `${c.iban.slice(0, at)}${(digit + r.int(1, 9)) % 10}${c.iban.slice(at + 1)}`;
  }
  return r.next() < 0.5 ? broken : groups(broken, 4);
}

const CARD_PREFIXES: readonly { prefix: string; length: number }[] = [
  { prefix: '4', length: 16 },
  { prefix: '4', length: 16 },
  { prefix: '51', length: 16 },
  { prefix: '55', length: 16 },
  { prefix: '2221', length: 16 },
  { prefix: '2720', length: 16 },
  { prefix: '34', length: 15 },
  { prefix: '37', length: 15 },
  { prefix: '6011', length: 16 },
  { prefix: '3530', length: 16 },
  { prefix: '36', length: 14 },
  { prefix: '62', length: 19 },
];

function cardDigits(r: Random): string {
  const { prefix, length } = r.pick(CARD_PREFIXES);
  const payload = prefix + charsOf(r, '0123456789', length - prefix.length - 1);
  return `${payload}${luhnCheckDigit(payload)}`;
}

function formatCard(r: Random, digits: string): string {
  const style = r.int(0, 2);
  if (style === 0) return digits;
  const sep = style === 1 ? ' ' : '-';
  if (digits.length === 15) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  if (digits.length === 14) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  return groups(digits, 4, sep);
}

export const card = (r: Random): Labelled => label('CREDIT_CARD', formatCard(r, cardDigits(r)));

/** A card-shaped number whose Luhn check fails (the last digit moved off by 1-9). */
export function brokenCard(r: Random): string {
  const digits = cardDigits(r);
  const last = Number(digits.at(-1));
  return formatCard(r, `${digits.slice(0, -1)}${(last + r.int(1, 9)) % 10}`);
}

/** The customer's national ID as people write it: compact, or with the usual spaces. */
export function nationalId(r: Random, c: Customer): Labelled {
  const { type, value } = c.nationalId;
  const spaced = r.next() < 0.35;
  if (spaced && type === 'steuer-idnr') {
    return label(
      'NATIONAL_ID',
      `${value.slice(0, 2)} ${value.slice(2, 5)} ${value.slice(5, 8)} ${value.slice(8)}`,
    );
  }
  if (spaced && type === 'nir') {
    const parts = [1, 2, 2, 2, 3, 3, 2];
    let at = 0;
    return label(
      'NATIONAL_ID',
      parts
        .map((n) => {
          at += n;
          return value.slice(at - n, at);
        })
        .join(' '),
    );
  }
  if (spaced && type === 'dni') return label('NATIONAL_ID', `${value.slice(0, 8)}-${value.slice(8)}`);
  if (spaced && type === 'bsn') {
    return label('NATIONAL_ID', `${value.slice(0, 4)}.${value.slice(4, 6)}.${value.slice(6)}`);
  }
  if (spaced && type === 'personnummer') {
    const century = Number(c.dateOfBirth.slice(0, 2));
    return label('NATIONAL_ID', `${century}${value}`);
  }
  return label('NATIONAL_ID', value);
}

/** The same identifier with its check digit or letter changed, so its checksum fails. */
export function brokenNationalId(r: Random, c: Customer): string {
  const { value } = c.nationalId;
  const last = value.at(-1) ?? '0';
  if (/\d/.test(last)) return `${value.slice(0, -1)}${(Number(last) + r.int(1, 9)) % 10}`;
  const letters = 'ABCDEFGHJKLMNPQRSTVWXYZ'.replace(last, '');
  return `${value.slice(0, -1)}${r.pick(Array.from(letters))}`;
}

export function usSsn(r: Random): Labelled {
  let area = r.int(1, 899);
  if (area === 666) area = 665;
  return label('NATIONAL_ID', `${pad(area, 3)}-${pad(r.int(1, 99), 2)}-${pad(r.int(1, 9999), 4)}`);
}

/** SSN-shaped numbers the SSA never issues: area 000, 666 or 9xx, or group 00. */
export function invalidSsn(r: Random): string {
  const area = r.pick(['000', '666', String(r.int(900, 999))]);
  return `${area}-${pad(r.int(0, 99), 2)}-${pad(r.int(1, 9999), 4)}`;
}

const NINO_FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const NINO_SECOND = 'ABCEGHJKLMNPRSTWXYZ';
const NINO_BANNED = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export function ukNino(r: Random): Labelled {
  for (;;) {
    const prefix = `${r.pick(Array.from(NINO_FIRST))}${r.pick(Array.from(NINO_SECOND))}`;
    if (NINO_BANNED.has(prefix)) continue;
    const digits = r.pattern('######');
    const suffix = r.pick(['A', 'B', 'C', 'D']);
    return label(
      'NATIONAL_ID',
      r.next() < 0.5
        ? `${prefix}${digits}${suffix}`
        : `${prefix} ${digits.slice(0, 2)} ${digits.slice(2, 4)} ${digits.slice(4)} ${suffix}`,
    );
  }
}

/** NHS number: ten digits, the last a mod-11 check over weights 10…2 (NHS Data Dictionary). */
export function ukNhs(r: Random): Labelled {
  for (;;) {
    const first9 = r.pattern('N########');
    const sum = Array.from(first9).reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    const value = `${first9}${check === 11 ? 0 : check}`;
    return label('NATIONAL_ID', `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}`);
  }
}

/** ES NIE: X/Y/Z (read as 0/1/2) + seven digits, letter from the DNI table. */
export function esNie(r: Random): Labelled {
  const lead = r.int(0, 2);
  const digits = r.pattern('#######');
  return label('NATIONAL_ID', `${'XYZ'.charAt(lead)}${digits}${dniLetter(`${lead}${digits}`)}`);
}

// Passport and ID-card numbers have no public check digit outside the MRZ, so a masker can only
// find them by context words; the shapes follow each country's current documents.
export function passport(r: Random, country: CountryCode | 'UK' | 'US'): Labelled {
  const icao = 'CFGHJKLMNPRTVWXYZ0123456789';
  const shapes: Record<CountryCode | 'UK' | 'US', () => string> = {
    DE: () => `${r.pick(Array.from('CFGHJK'))}${charsOf(r, icao, 8)}`,
    FR: () => r.pattern('##LL#####'),
    ES: () => r.pattern('LLL######'),
    IT: () => r.pattern('LL#######'),
    NL: () => `${r.pattern('LL')}${charsOf(r, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 6)}${r.pattern('#')}`,
    PL: () => r.pattern('LL#######'),
    SE: () => r.pattern('########'),
    UK: () => r.pattern('N########'),
    US: () => r.pattern('N########'),
  };
  return label('PASSPORT', shapes[country]());
}

export function idCard(r: Random, country: CountryCode): Labelled {
  const shapes: Record<CountryCode, () => string> = {
    DE: () => `${r.pick(Array.from('LMNPRTVWXY'))}${charsOf(r, 'CFGHJKLMNPRTVWXYZ0123456789', 8)}`,
    FR: () => charsOf(r, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 9),
    ES: () => r.pattern('LLL######'),
    IT: () => r.pattern('CA#####LL'),
    NL: () => `${r.pattern('LL')}${charsOf(r, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 6)}${r.pattern('#')}`,
    PL: () => r.pattern('LLL######'),
    SE: () => r.pattern('########'),
  };
  return label('ID_CARD', shapes[country]());
}

const MONTHS: Readonly<Record<string, readonly string[]>> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  de: [
    'Januar',
    'Februar',
    'März',
    'April',
    'Mai',
    'Juni',
    'Juli',
    'August',
    'September',
    'Oktober',
    'November',
    'Dezember',
  ],
  fr: [
    'janvier',
    'février',
    'mars',
    'avril',
    'mai',
    'juin',
    'juillet',
    'août',
    'septembre',
    'octobre',
    'novembre',
    'décembre',
  ],
  es: [
    'enero',
    'febrero',
    'marzo',
    'abril',
    'mayo',
    'junio',
    'julio',
    'agosto',
    'septiembre',
    'octubre',
    'noviembre',
    'diciembre',
  ],
  it: [
    'gennaio',
    'febbraio',
    'marzo',
    'aprile',
    'maggio',
    'giugno',
    'luglio',
    'agosto',
    'settembre',
    'ottobre',
    'novembre',
    'dicembre',
  ],
};

/** A date of birth in a format usual for the language: ISO, numeric, or with the month's name. */
export function dateOfBirth(r: Random, c: Customer, lang: string): Labelled {
  const [yyyy = '', mm = '', dd = ''] = c.dateOfBirth.split('-');
  const months = MONTHS[lang];
  const style = r.int(0, 3);
  if (style === 0) return label('DATE_OF_BIRTH', c.dateOfBirth);
  if (style === 3 && months !== undefined) {
    const month = months[Number(mm) - 1] ?? '';
    const day = Number(dd);
    if (lang === 'en') return label('DATE_OF_BIRTH', `${month} ${day}, ${yyyy}`);
    if (lang === 'de') return label('DATE_OF_BIRTH', `${day}. ${month} ${yyyy}`);
    return label('DATE_OF_BIRTH', `${day} ${month} ${yyyy}`);
  }
  const sep = lang === 'de' || lang === 'pl' ? '.' : lang === 'nl' ? '-' : lang === 'sv' ? '-' : '/';
  if (lang === 'sv') return label('DATE_OF_BIRTH', c.dateOfBirth);
  if (lang === 'en' && style === 1) return label('DATE_OF_BIRTH', `${mm}/${dd}/${yyyy}`);
  return label('DATE_OF_BIRTH', `${dd}${sep}${mm}${sep}${yyyy}`);
}

export function ipv4(r: Random): Labelled {
  const first = r.pick([r.int(11, 126), r.int(128, 191), r.int(193, 223), 203, 198, 192]);
  const second = first === 192 ? 0 : first === 198 ? 51 : first === 203 ? 0 : r.int(0, 255);
  const third = first === 192 ? 2 : first === 198 ? 100 : first === 203 ? 113 : r.int(0, 255);
  return label('IP_ADDRESS', `${first}.${second}.${third}.${r.int(1, 254)}`);
}

export function ipv6(r: Random): Labelled {
  const hextets = ['2001', 'db8', ...Array.from({ length: 6 }, () => r.int(0, 0xffff).toString(16))];
  if (r.next() < 0.5)
    return label('IP_ADDRESS', `${hextets.slice(0, 3).join(':')}::${hextets.slice(5).join(':')}`);
  return label('IP_ADDRESS', hextets.join(':'));
}

export function mac(r: Random): Labelled {
  const bytes = Array.from({ length: 6 }, () => charsOf(r, HEX, 2));
  const style = r.int(0, 2);
  if (style === 0) return label('MAC_ADDRESS', bytes.join(':'));
  if (style === 1) return label('MAC_ADDRESS', bytes.join('-').toUpperCase());
  const hex = bytes.join('');
  return label('MAC_ADDRESS', `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`);
}

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

export function jwt(r: Random): Labelled {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({ sub: `cus_${r.pattern('####')}`, iat: 1_700_000_000 + r.int(0, 9e7) }),
  );
  return label('SECRET', `${header}.${payload}.${charsOf(r, B64URL, 43)}`);
}

export function privateKey(r: Random): Labelled {
  const lines = Array.from({ length: 3 }, () => charsOf(r, `${ALNUM}+/`, 64));
  const body = [`MIIEv${charsOf(r, ALNUM, 59)}`, ...lines].join('\n');
  return label('SECRET', `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`);
}

/** An API key in one of the shapes secret scanners know (AWS, GitHub, Stripe, Slack, Google, JWT). */
export function secret(r: Random, options: { multiline?: boolean } = {}): Labelled {
  const kind = r.int(0, options.multiline ? 6 : 5);
  if (kind === 0) return label('SECRET', `AKIA${charsOf(r, BASE32, 16)}`);
  if (kind === 1) return label('SECRET', `ghp_${charsOf(r, ALNUM, 36)}`);
  if (kind === 2) return label('SECRET', `sk_live_${charsOf(r, ALNUM, 24)}`);
  if (kind === 3) {
    return label(
      'SECRET',
      `xoxb-${r.pattern('###########')}-${r.pattern('#############')}-${charsOf(r, ALNUM, 24)}`,
    );
  }
  if (kind === 4) return label('SECRET', `AIza${charsOf(r, B64URL, 35)}`);
  if (kind === 5) return jwt(r);
  return privateKey(r);
}

export const hex = (r: Random, n: number): string => charsOf(r, HEX, n);

export function uuid(r: Random): string {
  const h = hex(r, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

// Names beyond the demo's per-country lists, so a name detector is not scored on one gazetteer.
const MORE_GIVEN = [
  'Oliver',
  'Amelia',
  'Fatima',
  'Wei',
  'Aoife',
  'Kwame',
  'Priya',
  'Mateusz',
  'Eeva',
  'Dimitris',
  'Zeynep',
  'Siobhan',
  'Rafael',
  'Ingeborg',
  'Yusuf',
  'Mei',
  'Björn',
  'Liesbeth',
  'Grzegorz',
  'Noemi',
];
const MORE_SURNAMES = [
  'Bennett',
  'Haddad',
  'Chen',
  'Byrne',
  'Mensah',
  'Raman',
  'Zieliński',
  'Korhonen',
  'Papadopoulos',
  'Yılmaz',
  "O'Brien",
  'van der Berg',
  'da Silva',
  'Nakamura',
  'Okafor',
  'Lindgren',
  'Dąbrowski',
  'Esposito',
  'Vermeulen',
  'Kovač',
];

/** A full name: usually the customer's, sometimes one from further afield. */
export function person(r: Random, c: Customer): Labelled {
  if (r.next() < 0.7) return label('PERSON', `${c.firstName} ${c.lastName}`);
  return label('PERSON', `${r.pick(MORE_GIVEN)} ${r.pick(MORE_SURNAMES)}`);
}

export const surname = (c: Customer): Labelled => label('PERSON', c.lastName);
export const givenName = (c: Customer): Labelled => label('PERSON', c.firstName);

export function email(r: Random, c: Customer): Labelled {
  const style = r.int(0, 5);
  const [local = '', domain = ''] = c.email.split('@');
  if (style === 4) return label('EMAIL', `${local}+orders@${domain}`);
  if (style === 5) return label('EMAIL', `${local.charAt(0)}${local.slice(local.indexOf('.'))}@${domain}`);
  return label('EMAIL', c.email);
}

// Streets beyond the demo's lists (abbreviations, hyphenated and multi-word names), written the
// way each country orders name and number; "#" is the house number.
const MORE_STREETS: Readonly<Record<CountryCode, readonly string[]>> = {
  DE: ['Hauptstr. #', 'Karl-Marx-Allee #', 'Unter den Linden #', 'Kurfürstendamm #', 'Auf dem Berg #a'],
  FR: [
    '# place Bellecour',
    '# quai des Chartrons',
    '# chemin du Moulin',
    '#bis rue Oberkampf',
    '# allée des Pins',
  ],
  ES: ['C/ de Alcalá, #', 'Gran Vía, #', 'Ronda de Segovia, #', 'Plaza de España, #', 'Camino Viejo, #'],
  IT: [
    'Viale Monza, #',
    'Largo Augusto, #',
    'Via San Gregorio, #',
    'Vicolo del Cinque, #',
    'Strada Statale, #',
  ],
  NL: ['Keizersgracht #', 'Oudegracht #', 'Coolsingel #', 'Burgemeester de Monchyplein #', 'Herengracht #-A'],
  PL: [
    'ul. Marszałkowska #',
    'os. Tysiąclecia #',
    'al. Jana Pawła II #',
    'ul. Piotrkowska #/4',
    'pl. Grunwaldzki #',
  ],
  SE: ['Kungsgatan #', 'Götgatan #', 'Sveavägen #', 'Lilla Torget #', 'Hamngatan #'],
};

const EN_STREETS = [
  'Oak Street',
  'Station Road',
  'Maple Avenue',
  'Church Lane',
  'High Street',
  'Elm Drive',
  'Mill Close',
];
const EN_TOWNS = [
  (r: Random) => `Leeds LS${r.int(1, 29)} ${r.int(1, 9)}${r.pattern('LL')}`,
  (r: Random) => `Bristol BS${r.int(1, 16)} ${r.int(1, 9)}${r.pattern('LL')}`,
  (r: Random) => `Springfield, IL ${r.pattern('627##')}`,
  (r: Random) => `Austin, TX ${r.pattern('787##')}`,
];

/**
 * Street, postcode and town as the country writes them; now and then the street alone. Half the
 * streets come from beyond the demo's lists, and English templates get UK and US addresses too.
 */
export function address(r: Random, c: Customer, lang = ''): Labelled {
  if (lang === 'en' && r.next() < 0.4) {
    const street = `${r.int(1, 480)} ${r.pick(EN_STREETS)}`;
    return label('ADDRESS', r.next() < 0.2 ? street : `${street}, ${r.pick(EN_TOWNS)(r)}`);
  }
  const { postalCode, city, country } = c.address;
  const street =
    r.next() < 0.5 ? c.address.street : r.pick(MORE_STREETS[country]).replace('#', String(r.int(1, 240)));
  if (r.next() < 0.2) return label('ADDRESS', street);
  return label('ADDRESS', `${street}, ${postalCode} ${city}`);
}

/** Each customer country in English and as it names itself. */
export const COUNTRY_NAMES: Readonly<Record<CountryCode, { readonly en: string; readonly own: string }>> = {
  DE: { en: 'Germany', own: 'Deutschland' },
  FR: { en: 'France', own: 'France' },
  ES: { en: 'Spain', own: 'España' },
  IT: { en: 'Italy', own: 'Italia' },
  NL: { en: 'Netherlands', own: 'Nederland' },
  PL: { en: 'Poland', own: 'Polska' },
  SE: { en: 'Sweden', own: 'Sverige' },
};

/**
 * A full postal address that ends in its country, on one line or as a block of lines: the
 * country is part of the address (a country alone in prose is not; see the negatives).
 */
export function addressWithCountry(r: Random, c: Customer, lang: string): Labelled {
  const { street, postalCode, city, country } = c.address;
  const name = lang === 'en' ? COUNTRY_NAMES[country].en : COUNTRY_NAMES[country].own;
  const lines = [street, `${postalCode} ${city}`, r.next() < 0.5 ? name : name.toUpperCase()];
  return label('ADDRESS', lines.join(r.next() < 0.5 ? ', ' : '\n'));
}

/** An ISO 8601 timestamp from 2023-2025: log noise, never a date of birth. */
export function timestamp(r: Random): string {
  return `${r.int(2023, 2025)}-${pad(r.int(1, 12), 2)}-${pad(r.int(1, 28), 2)}T${pad(r.int(0, 23), 2)}:${pad(r.int(0, 59), 2)}:${pad(r.int(0, 59), 2)}.${pad(r.int(0, 999), 3)}Z`;
}

export const orderNumber = (r: Random): string =>
  r.pick([
    `ORD-${r.int(2022, 2025)}-${r.pattern('######')}`,
    r.pattern('N########'),
    `#${r.pattern('N#####')}`,
  ]);

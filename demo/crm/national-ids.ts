// Fabricated national identifiers with valid check digits. Each scheme encodes what the real one
// encodes (birth date, sex, birthplace) so the values agree with the rest of the customer record.

import {
  bsnCheckDigit,
  codiceFiscaleCheckChar,
  dniLetter,
  luhnCheckDigit,
  nirKey,
  peselCheckDigit,
  steuerIdCheckDigit,
} from './checksums.ts';
import type { CountryCode } from './locales.ts';
import type { Random } from './random.ts';

export type NationalIdType =
  | 'steuer-idnr'
  | 'nir'
  | 'dni'
  | 'codice-fiscale'
  | 'bsn'
  | 'pesel'
  | 'personnummer';

export interface NationalId {
  country: CountryCode;
  type: NationalIdType;
  value: string;
}

export interface Person {
  firstName: string;
  lastName: string;
  sex: 'female' | 'male';
  /** YYYY-MM-DD */
  dateOfBirth: string;
  /** Belfiore code (IT) or département (FR) of the birthplace. */
  birthCode?: string;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function dateParts(date: string): { yyyy: number; mm: number; dd: number } {
  const [yyyy = 0, mm = 0, dd = 0] = date.split('-').map(Number);
  return { yyyy, mm, dd };
}

/** Steuer-IdNr rule since 2016: in the first ten digits exactly one digit appears twice and one not at all. */
function steuerId(random: Random): string {
  for (;;) {
    const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    digits.splice(random.int(0, 9), 1);
    digits.push(random.pick(digits));
    for (let i = digits.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [digits[i], digits[j]] = [digits[j] ?? 0, digits[i] ?? 0];
    }
    if (digits[0] === 0) continue;
    const first10 = digits.join('');
    return `${first10}${steuerIdCheckDigit(first10)}`;
  }
}

function bsn(random: Random): string {
  for (;;) {
    const first8 = random.pattern('N#######');
    const check = bsnCheckDigit(first8);
    if (check !== undefined) return `${first8}${check}`;
  }
}

function pesel(random: Random, person: Person): string {
  const { yyyy, mm, dd } = dateParts(person.dateOfBirth);
  // PESEL encodes the century in the month: +20 for 2000-2099.
  const month = yyyy >= 2000 ? mm + 20 : mm;
  const serial = random.pattern('###');
  const sexDigit = random.int(0, 4) * 2 + (person.sex === 'male' ? 1 : 0);
  const first10 = `${pad(yyyy % 100, 2)}${pad(month, 2)}${pad(dd, 2)}${serial}${sexDigit}`;
  return `${first10}${peselCheckDigit(first10)}`;
}

function personnummer(random: Random, person: Person): string {
  const { yyyy, mm, dd } = dateParts(person.dateOfBirth);
  const serial = random.pattern('##');
  const sexDigit = random.int(0, 4) * 2 + (person.sex === 'male' ? 1 : 0);
  const date = `${pad(yyyy % 100, 2)}${pad(mm, 2)}${pad(dd, 2)}`;
  const check = luhnCheckDigit(`${date}${serial}${sexDigit}`);
  return `${date}-${serial}${sexDigit}${check}`;
}

function dni(random: Random): string {
  const number = random.pattern('########');
  return `${number}${dniLetter(number)}`;
}

function nir(random: Random, person: Person): string {
  const { yyyy, mm } = dateParts(person.dateOfBirth);
  const sex = person.sex === 'male' ? '1' : '2';
  // sex, YY, MM, département, commune, order number
  const first13 = [
    sex,
    pad(yyyy % 100, 2),
    pad(mm, 2),
    person.birthCode ?? '75',
    pad(random.int(1, 999), 3),
    pad(random.int(1, 999), 3),
  ].join('');
  return `${first13}${pad(nirKey(first13), 2)}`;
}

const ascii = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase();
const VOWELS = /[AEIOU]/;

function consonantsAndVowels(name: string): { consonants: string[]; vowels: string[] } {
  const letters = Array.from(ascii(name));
  return {
    consonants: letters.filter((ch) => !VOWELS.test(ch)),
    vowels: letters.filter((ch) => VOWELS.test(ch)),
  };
}

const threeLetters = (letters: string[]): string => `${letters.join('')}XXX`.slice(0, 3);

/** Surname part: consonants, then vowels, padded with X. */
export function codiceFiscaleSurname(surname: string): string {
  const { consonants, vowels } = consonantsAndVowels(surname);
  return threeLetters([...consonants, ...vowels]);
}

/** Given-name part: with four or more consonants, take the 1st, 3rd and 4th. */
export function codiceFiscaleGivenName(givenName: string): string {
  const { consonants, vowels } = consonantsAndVowels(givenName);
  if (consonants.length >= 4) return `${consonants[0]}${consonants[2]}${consonants[3]}`;
  return threeLetters([...consonants, ...vowels]);
}

const CF_MONTHS = 'ABCDEHLMPRST';

/** The full codice fiscale for a person; exported so the tests can rebuild a published example. */
export function codiceFiscale(person: Person): string {
  const { yyyy, mm, dd } = dateParts(person.dateOfBirth);
  const day = person.sex === 'female' ? dd + 40 : dd;
  const first15 = [
    codiceFiscaleSurname(person.lastName),
    codiceFiscaleGivenName(person.firstName),
    pad(yyyy % 100, 2),
    CF_MONTHS.charAt(mm - 1),
    pad(day, 2),
    person.birthCode ?? 'H501',
  ].join('');
  return `${first15}${codiceFiscaleCheckChar(first15)}`;
}

const SCHEMES: Readonly<
  Record<CountryCode, { type: NationalIdType; make: (random: Random, person: Person) => string }>
> = {
  DE: { type: 'steuer-idnr', make: steuerId },
  FR: { type: 'nir', make: nir },
  ES: { type: 'dni', make: dni },
  IT: { type: 'codice-fiscale', make: (_random, person) => codiceFiscale(person) },
  NL: { type: 'bsn', make: bsn },
  PL: { type: 'pesel', make: pesel },
  SE: { type: 'personnummer', make: personnummer },
};

export function generateNationalId(random: Random, country: CountryCode, person: Person): NationalId {
  const scheme = SCHEMES[country];
  return { country, type: scheme.type, value: scheme.make(random, person) };
}

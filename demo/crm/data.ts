// Deterministic fake EU customers for the demo CRM. Every value is invented (names paired at
// random, example.* e-mail domains per RFC 2606, random account and ID numbers), yet each has the
// shape and check digits of the real thing so a PII masker has something honest to chew on.

import { generateIban } from './ibans.ts';
import { COUNTRIES, type CountryCode, LOCALES } from './locales.ts';
import { generateNationalId, type NationalId, type Person } from './national-ids.ts';
import { createRandom } from './random.ts';

export interface Address {
  street: string;
  city: string;
  postalCode: string;
  country: CountryCode;
}

export interface Customer {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  iban: string;
  address: Address;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  nationalId: NationalId;
}

export interface GenerateCustomersOptions {
  /** How many customers; default 200. */
  count?: number;
  /** PRNG seed; the same seed always yields the same customers. */
  seed?: number;
}

export const DEFAULT_CUSTOMER_COUNT = 200;
const DEFAULT_SEED = 0x0c057005;
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;

// Letters NFD cannot split into base + mark.
const FOLDS: Readonly<Record<string, string>> = { ß: 'ss', ł: 'l', Ł: 'L', ø: 'o', Ø: 'O' };

function emailLocalPart(firstName: string, lastName: string): string {
  const fold = (text: string): string =>
    Array.from(text.normalize('NFD'), (ch) => FOLDS[ch] ?? ch)
      .join('')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase();
  return `${fold(firstName)}.${fold(lastName)}`;
}

const EPOCH_1950 = Date.UTC(1950, 0, 1);
const DAYS_1950_TO_2005 = 20_088;

function dateOfBirth(days: number): string {
  return new Date(EPOCH_1950 + days * 86_400_000).toISOString().slice(0, 10);
}

export function generateCustomers(options: GenerateCustomersOptions = {}): Customer[] {
  const count = options.count ?? DEFAULT_CUSTOMER_COUNT;
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const seenEmails = new Set<string>();
  const customers: Customer[] = [];
  for (let i = 1; i <= count; i++) {
    const country = random.pick(COUNTRIES);
    const locale = LOCALES[country];
    const sex = random.next() < 0.5 ? 'female' : 'male';
    const firstName = random.pick(locale.given[sex]);
    const lastName = random.pick(locale.surnames);
    const city = random.pick(locale.cities);
    const person: Person = {
      firstName,
      lastName,
      sex,
      dateOfBirth: dateOfBirth(random.int(0, DAYS_1950_TO_2005)),
      ...(city.birthCode === undefined ? {} : { birthCode: city.birthCode }),
    };

    const base = emailLocalPart(firstName, lastName);
    let local = base;
    for (let n = 2; seenEmails.has(local); n++) local = `${base}${n}`;
    seenEmails.add(local);

    customers.push({
      id: `cus_${String(i).padStart(4, '0')}`,
      firstName,
      lastName,
      email: `${local}@${random.pick(EMAIL_DOMAINS)}`,
      phone: random.pattern(random.next() < 0.5 ? city.landline : random.pick(locale.mobile)),
      iban: generateIban(random, country),
      address: {
        street: locale.formatStreet(random.pick(locale.streets), random.int(1, 180)),
        city: city.name,
        postalCode: random.pattern(city.postalCode),
        country,
      },
      dateOfBirth: person.dateOfBirth,
      nationalId: generateNationalId(random, country, person),
    });
  }
  return customers;
}

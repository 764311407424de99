// Fabricated IBANs: the BBAN layout and length of each country's registry entry (SWIFT IBAN
// Registry), national check digits where the BBAN has them (FR RIB key, IT CIN, ES DC), and
// valid ISO 7064 MOD 97-10 IBAN check digits. Bank codes are random, not real institutions.

import { ibanCheckDigits, italianCin, ribKey, spanishAccountDc } from './checksums.ts';
import type { CountryCode } from './locales.ts';
import type { Random } from './random.ts';

/** Total IBAN length per country, from the SWIFT IBAN Registry. */
export const IBAN_LENGTHS: Readonly<Record<CountryCode, number>> = {
  DE: 22,
  FR: 27,
  ES: 24,
  IT: 27,
  NL: 18,
  PL: 28,
  SE: 24,
};

const BBAN_MAKERS: Readonly<Record<CountryCode, (random: Random) => string>> = {
  DE: (r) => r.pattern('N#######') + r.pattern('##########'),
  FR: (r) => {
    const bank = r.pattern('N####');
    const branch = r.pattern('#####');
    const account = r.pattern('###########');
    return `${bank}${branch}${account}${String(ribKey(bank, branch, account)).padStart(2, '0')}`;
  },
  ES: (r) => {
    const bank = r.pattern('N###');
    const branch = r.pattern('####');
    const account = r.pattern('##########');
    return `${bank}${branch}${spanishAccountDc(bank, branch, account)}${account}`;
  },
  IT: (r) => {
    const rest = r.pattern('0####') + r.pattern('#####') + r.pattern('000000######');
    return `${italianCin(rest)}${rest}`;
  },
  NL: (r) => r.pattern('LLLL') + r.pattern('##########'),
  PL: (r) => {
    const sortCode = r.pattern('1######');
    return `${sortCode}${polishSortCodeCheck(sortCode)}${r.pattern('################')}`;
  },
  SE: (r) => r.pattern('N##') + r.pattern('#################'),
};

/** The check digit ending a Polish 8-digit sort code (NBP: weights 3, 9, 7, 1, 3, 9, 7, mod 10). */
export function polishSortCodeCheck(first7: string): number {
  const weights = [3, 9, 7, 1, 3, 9, 7];
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += Number(first7[i]) * (weights[i] as number);
  return (10 - (sum % 10)) % 10;
}

/** An IBAN in electronic (unspaced) form. */
export function generateIban(random: Random, country: CountryCode): string {
  const bban = BBAN_MAKERS[country](random);
  return `${country}${ibanCheckDigits(country, bban)}${bban}`;
}

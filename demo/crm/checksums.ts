// Check-digit algorithms for the national identifiers and IBANs the demo data carries.
// Each function is pure and small so the tests can pin it to published example numbers:
// a PII masker that trusts checksums is only as good as the fixtures that feed it.

const digitsOf = (text: string): number[] => Array.from(text, (ch) => ch.charCodeAt(0) - 48);

/** DE Steuer-IdNr (§139b AO): ISO 7064 MOD 11,10 over the first ten digits. */
export function steuerIdCheckDigit(first10: string): number {
  let product = 10;
  for (const digit of digitsOf(first10)) {
    let sum = (digit + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return check === 10 ? 0 : check;
}

/** NL BSN "11-proef": 9·d1 + 8·d2 + … + 2·d8 − 1·d9 must be divisible by 11. Returns undefined when no digit fits. */
export function bsnCheckDigit(first8: string): number | undefined {
  const sum = digitsOf(first8).reduce((acc, digit, i) => acc + digit * (9 - i), 0);
  const check = sum % 11;
  return check === 10 ? undefined : check;
}

const PESEL_WEIGHTS = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3] as const;

/** PL PESEL: weighted sum (1,3,7,9,…) of the first ten digits, check = (10 − sum mod 10) mod 10. */
export function peselCheckDigit(first10: string): number {
  const sum = digitsOf(first10).reduce((acc, digit, i) => acc + digit * (PESEL_WEIGHTS[i] ?? 0), 0);
  return (10 - (sum % 10)) % 10;
}

/** Luhn check digit for a digit string that does not yet carry one (SE personnummer uses YYMMDDNNN). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  const digits = digitsOf(payload);
  for (let i = 0; i < digits.length; i++) {
    // The rightmost payload digit is doubled, since the check digit will sit to its right.
    const double = (digits.length - i) % 2 === 1;
    const value = (digits[i] ?? 0) * (double ? 2 : 1);
    sum += value > 9 ? value - 9 : value;
  }
  return (10 - (sum % 10)) % 10;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** ES DNI: the letter is the number mod 23 looked up in the Ministerio del Interior table. */
export function dniLetter(number8: string): string {
  return DNI_LETTERS.charAt(Number(number8) % 23);
}

/** FR NIR (numéro de sécurité sociale): key = 97 − (first 13 digits mod 97). Corsica (2A/2B) is not generated. */
export function nirKey(first13: string): number {
  return 97 - Number(BigInt(first13) % 97n);
}

// Codice fiscale / CIN conversion tables (DM 23/12/1976): characters in odd positions map through
// this table, characters in even positions map to their ordinal (0-9 / A-Z → 0-25).
const ODD_VALUES = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

function ordinal(ch: string): number {
  const code = ch.charCodeAt(0);
  return code <= 57 ? code - 48 : code - 65;
}

function italianCheckChar(text: string): string {
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const value = ordinal(text.charAt(i));
    // Positions are 1-based in the decree, so index 0 is an "odd" position.
    sum += i % 2 === 0 ? (ODD_VALUES[value] ?? 0) : value;
  }
  return String.fromCharCode(65 + (sum % 26));
}

/** IT codice fiscale: check character over the first fifteen characters. */
export function codiceFiscaleCheckChar(first15: string): string {
  return italianCheckChar(first15.toUpperCase());
}

/** IT BBAN CIN: the same odd/even tables over ABI (5) + CAB (5) + account (12). */
export function italianCin(abiCabAccount: string): string {
  return italianCheckChar(abiCabAccount.toUpperCase());
}

/** FR RIB key over bank (5) + branch (5) + account (11, letters folded to digits as the RIB rules say). */
export function ribKey(bank: string, branch: string, account: string): number {
  const folded = Array.from(account.toUpperCase(), (ch) => {
    if (ch >= '0' && ch <= '9') return ch;
    const letterValue = ch.charCodeAt(0) - 64; // A=1 … Z=26
    // A-I → 1-9, J-R → 1-9, S-Z → 2-9 (the RIB skips 1 for S).
    return String(letterValue <= 9 ? letterValue : letterValue <= 18 ? letterValue - 9 : letterValue - 17);
  }).join('');
  const sum = 89n * BigInt(bank) + 15n * BigInt(branch) + 3n * BigInt(folded);
  return 97 - Number(sum % 97n);
}

const ES_DC_WEIGHTS = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6] as const;

function spanishDcDigit(ten: string): number {
  const sum = digitsOf(ten).reduce((acc, digit, i) => acc + digit * (ES_DC_WEIGHTS[i] ?? 0), 0);
  const dc = 11 - (sum % 11);
  return dc === 11 ? 0 : dc === 10 ? 1 : dc;
}

/** ES CCC "dígitos de control": one mod-11 digit over "00"+bank+branch, one over the account. */
export function spanishAccountDc(bank: string, branch: string, account: string): string {
  return `${spanishDcDigit(`00${bank}${branch}`)}${spanishDcDigit(account)}`;
}

/** ISO 13616 rearranged numeric form: BBAN + country + "00", letters as 10-35. */
function ibanNumeric(country: string, bban: string): bigint {
  const rearranged = `${bban}${country}00`.toUpperCase();
  const numeric = Array.from(rearranged, (ch) => (ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch)).join('');
  return BigInt(numeric);
}

/** IBAN check digits (ISO 7064 MOD 97-10): 98 − (numeric form mod 97), two digits. */
export function ibanCheckDigits(country: string, bban: string): string {
  const check = 98 - Number(ibanNumeric(country, bban) % 97n);
  return String(check).padStart(2, '0');
}

/** Whether a full IBAN (spaces allowed) has valid MOD 97-10 check digits. Length rules live in the generator. */
export function isValidIbanChecksum(iban: string): boolean {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  return ibanCheckDigits(compact.slice(0, 2), compact.slice(4)) === compact.slice(2, 4);
}

// Cheap check-digit tests run before stdnum, so the common case (digits that are not an
// identifier) costs a loop instead of stdnum's Unicode cleaning and a thrown-and-caught
// ValidationError. stdnum still has the last word on every candidate that passes.

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;

/** DE Steuer-IdNr: ISO 7064 MOD 11,10 over the first ten digits; no leading zero. */
export function steuerIdCheck(d: string): boolean {
  if (d.length !== 11 || d[0] === '0') return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (digit(d, i) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return (check === 10 ? 0 : check) === digit(d, 10);
}

const PESEL_WEIGHTS = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];

/** PL PESEL: weights 1-3-7-9, check = (10 − sum mod 10) mod 10. */
export function peselCheck(d: string): boolean {
  if (d.length !== 11) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += digit(d, i) * (PESEL_WEIGHTS[i] as number);
  return (10 - (sum % 10)) % 10 === digit(d, 10);
}

/** NL BSN "11-proef": 9·d1 + … + 2·d8 − d9 divisible by 11. */
export function bsnCheck(d: string): boolean {
  if (d.length !== 9) return false;
  let sum = -digit(d, 8);
  for (let i = 0; i < 8; i++) sum += digit(d, i) * (9 - i);
  return sum % 11 === 0;
}

/** Luhn over a digit string that ends in its check digit. */
export function luhnCheck(d: string): boolean {
  let sum = 0;
  for (let i = d.length - 1, double = false; i >= 0; i--, double = !double) {
    let v = digit(d, i);
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return sum % 10 === 0;
}

/** SE personnummer: Luhn over YYMMDDNNNC (the century, if written, is not part of it). */
export function personnummerCheck(d: string): boolean {
  return (d.length === 10 || d.length === 12) && luhnCheck(d.slice(-10));
}

/** FR NIR: key = 97 − (first 13 digits mod 97). Corsica's 2A/2B are left to stdnum. */
export function nirCheck(d: string): boolean {
  if (d.length !== 15) return false;
  let rem = 0;
  for (let i = 0; i < 13; i++) rem = (rem * 10 + digit(d, i)) % 97;
  return 97 - rem === Number(d.slice(13));
}

/** US SSN: no 000/666/9xx area, no 00 group, no 0000 serial. */
export function ssnCheck(d: string): boolean {
  if (d.length !== 9) return false;
  const area = d.slice(0, 3);
  return area !== '000' && area !== '666' && d[0] !== '9' && d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** ES DNI (8 digits + letter) and NIE (X/Y/Z as 0/1/2, 7 digits, letter): number mod 23. */
export function dniLetterCheck(value: string): boolean {
  const v = value.replace(/[ -]/g, '').toUpperCase();
  const number = v.slice(0, -1).replace(/^[XYZ]/, (c) => String('XYZ'.indexOf(c)));
  return /^\d{8}$/.test(number) && DNI_LETTERS[Number(number) % 23] === v.slice(-1);
}

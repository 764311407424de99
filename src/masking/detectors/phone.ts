// Phone numbers in international (+CC / 00CC) and national formats, validated against
// libphonenumber-js's numbering plans: calling code, possible lengths and national-number pattern,
// which is what its `isValid()` checks with the bundled ("min") metadata. The plans are compiled
// into RegExps once at boot: `findNumbers` costs ~21 µs per call here, a whole 75 KB result's
// budget for sixty phone fields, so the detector finds candidates itself and validates them here.

import { type CountryCode, getCountries, Metadata } from 'libphonenumber-js';
import type { Detector, Span, TextStats } from '../spans.ts';

interface Plan {
  region: string;
  callingCode: string;
  lengths: ReadonlySet<number>;
  pattern: RegExp;
  prefix: RegExp | undefined;
  transform: string | undefined;
  /** National numbers are written with the trunk prefix (0 in most of Europe). */
  trunkRequired: boolean;
}

interface RawPlan {
  callingCode(): string;
  nationalNumberPattern(): string;
  possibleLengths(): number[];
  nationalPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
}

function compilePlan(metadata: Metadata, region: string): Plan {
  metadata.selectNumberingPlan(region as CountryCode);
  const raw = metadata.numberingPlan as unknown as RawPlan;
  const npfp = raw.nationalPrefixForParsing();
  const transform = raw.nationalPrefixTransformRule();
  return {
    region,
    callingCode: raw.callingCode(),
    lengths: new Set(raw.possibleLengths()),
    pattern: new RegExp(`^(?:${raw.nationalNumberPattern()})$`),
    prefix: npfp ? new RegExp(`^(?:${npfp})`) : undefined,
    transform: transform || undefined,
    trunkRequired: raw.nationalPrefix() === '0' && !transform,
  };
}

export interface PhoneMatch {
  region: string;
  /** E.164 without the '+': calling code and national number. */
  e164: string;
}

export interface PhoneValidator {
  /** Validates one candidate; `loose` accepts unformatted national numbers without trunk prefix. */
  validate(candidate: string, loose: boolean): PhoneMatch | undefined;
}

export const DEFAULT_PHONE_REGIONS = ['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'SE', 'GB', 'US'] as const;

export function compilePhoneValidator(regions: readonly string[] = DEFAULT_PHONE_REGIONS): PhoneValidator {
  const metadata = new Metadata();
  const byCallingCode = new Map<string, Plan[]>();
  // The calling code's main country first (US for +1, GB for +44), as libphonenumber orders them.
  const codes = (
    metadata as unknown as { countryCallingCodes(): Record<string, string[]> }
  ).countryCallingCodes();
  const known = new Set<string>(getCountries());
  for (const [code, regions] of Object.entries(codes))
    byCallingCode.set(
      code,
      regions.filter((r) => known.has(r)).map((r) => compilePlan(metadata, r)),
    );
  const national = regions.map((r) => compilePlan(metadata, r));
  const fits = (plan: Plan, nn: string): boolean => plan.lengths.has(nn.length) && plan.pattern.test(nn);

  function international(digits: string): PhoneMatch | undefined {
    for (let len = 1; len <= 3; len++) {
      const plans = byCallingCode.get(digits.slice(0, len));
      if (!plans) continue;
      const nn = digits.slice(len);
      for (const plan of plans) {
        if (fits(plan, nn)) return { region: plan.region, e164: plan.callingCode + nn };
        // "+49 (0)30 …": the trunk prefix written after the calling code.
        if (plan.trunkRequired && nn.startsWith('0') && fits(plan, nn.slice(1)))
          return { region: plan.region, e164: plan.callingCode + nn.slice(1) };
      }
      return undefined;
    }
    return undefined;
  }

  return {
    validate(candidate: string, loose: boolean): PhoneMatch | undefined {
      const digits = candidate.replace(/\D/g, '');
      if (digits.length < 7 || digits.length > 17) return undefined;
      if (candidate.startsWith('+') || candidate.startsWith('(+')) return international(digits);
      if (digits.startsWith('00')) return international(digits.slice(2));
      const formatted = digits.length !== candidate.length;
      // A national number can fit several regions' plans (06 12 34 56 78 is a French mobile and a
      // German number); it is attributed to the first configured region it fits.
      for (const plan of national) {
        let nn = digits;
        let trunk = false;
        const m = plan.prefix?.exec(digits);
        if (m && m[0].length > 0) {
          nn =
            plan.transform === undefined
              ? digits.slice(m[0].length)
              : digits.replace(plan.prefix!, plan.transform);
          trunk = true;
        }
        // Without a trunk prefix, a bare national number needs grouping or a word like "tel", and
        // nine digits at least (PL and IT also allow short numbers that any amount would match).
        if (!trunk && (plan.trunkRequired || !(formatted || loose) || (nn.length < 9 && !loose))) continue;
        if (fits(plan, nn)) return { region: plan.region, e164: plan.callingCode + nn };
      }
      return undefined;
    },
  };
}

// Digits in groups joined by one separator, optionally led by '+' or '('.
const CANDIDATE =
  /(?<![\w+/.-])(?:\+|\(\+?)?\d(?:[\d()]|[ \u00a0./-](?=[\d(]))*\d(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?!\w)/g;
// An extension written after the number: "986.291.2294x751", "+1 555 0100 ext. 12".
const EXTENSION = /\s?(?:x|ext\.?)\s?\d{1,6}$/;
// Shapes that are dates or identifiers (SSN 3-2-4, personnummer 6-4), not phone numbers.
const NOT_A_PHONE =
  /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{3}-\d{2}-\d{4}|\d{6}[-+]\d{4})$/;
// Words before a number that make it a phone number ("Telefonnummer:", "tel.", "call") …
const CONTEXT =
  /\b(?:phone|tel|fon|téléphone|tél|teléfono|telefono|telefoon|cell|mobile?|mobil|handy|portable|móvil|cellulare|gsm|fax|whatsapp|call|ring|bel|llame al?|chiami|appelez|erreichen sie|unter)\w*[.-]*\s*(?:(?:no|nr|number|nummer|numéro|número|numero|numer)\.?)?\s*[:#]?\s*$/i;
// Phrases that introduce a phone number further away ("call me at", "reach us on", "phone number is").
const CONTEXT_PHRASE =
  /\b(?:call|ring|text|reach|dial|contact|phone|fax|tel|mobile|cell)\w*(?:\s+(?:me|us|him|her|them|number|no\.?))?(?:\s+(?:is|at|on|via|under))?\s*[:#]?\s*$/i;
// With such context a grouped number of 7 to 15 digits counts even where no numbering plan fits.
const GROUPED = /^(?:\+|\(\+?)?\d[\d\s()./-]*$/;
// … and words that make it something else ("Ersatzteil-Nr.", "Part no.", "order", "invoice").
const NOT_CONTEXT =
  /(?:\bno|\bnr|#|part|teil|art|artikel|order|bestell\w*|invoice|rechnung|ref|sku|serial|charge|lot|kunden\w*|customer|account|konto|id)\.?\s*[:#]?\s*$/i;

const IBAN_HEAD = /[A-Za-z]{2}\d{2}[ -]$/;

/** Grouped (separators or brackets), or led by + / 00, with 7 to 15 digits. */
function looseShape(candidate: string): boolean {
  if (!GROUPED.test(candidate)) return false;
  let digits = 0;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits < 7 || digits > 15) return false;
  return digits !== candidate.length || candidate.startsWith('+');
}

export function createPhoneDetector(validator: PhoneValidator): Detector {
  function tryWhole(text: string, start: number, candidate: string, out: Span[]): void {
    const ext = EXTENSION.exec(candidate);
    const number = ext ? candidate.slice(0, ext.index) : candidate;
    if (NOT_A_PHONE.test(number)) return;
    const before = text.slice(Math.max(0, start - 24), start);
    const loose = CONTEXT.test(before);
    if (!loose && !number.startsWith('+') && NOT_CONTEXT.test(before)) return;
    const match = validator.validate(number, loose);
    // No plan fits, but the words before say it is a phone number: the region stays unknown.
    if (!match && !((loose || CONTEXT_PHRASE.test(before)) && looseShape(number))) return;
    out.push({
      start,
      end: start + candidate.length,
      type: 'PHONE',
      subtype: match?.region,
      detector: 'phone',
    });
  }

  return {
    name: 'phone',
    types: ['PHONE'],
    detect(text: string, stats: TextStats, out: Span[]): void {
      if (stats.digits < 7) return;
      CANDIDATE.lastIndex = 0;
      for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
        // The digit groups after "DE89 " are an IBAN's (valid or not), not a phone number.
        if (m[0].length < 7 || IBAN_HEAD.test(text.slice(Math.max(0, m.index - 5), m.index))) continue;
        tryWhole(text, m.index, m[0], out);
      }
    },
  };
}

// Reads corpora in Presidio's evaluation format (presidio-research's generated_small.json and
// ours) and maps Presidio's entity types onto Custos's, so one scorer serves both.

import { readFileSync } from 'node:fs';
import type { EntityType } from '../src/masking/types.ts';
import type { ScoreSample, ScoreSpan } from './masking-score.ts';

/** An item of Presidio's evaluation format; fields we do not use are ignored. */
export interface PresidioSample {
  full_text: string;
  spans: { entity_type: string; entity_value: string; start_position: number; end_position: number }[];
  template_id?: number | string | null;
  metadata?: unknown;
}

/**
 * Presidio type → ours. LOCATION counts as ADDRESS (a city or region in a postal address is part
 * of it). DATE_TIME is special: see `mapPresidioType`. Types absent here (ORGANIZATION, TITLE,
 * DOMAIN_NAME, US_DRIVER_LICENSE, URL, NRP, …) are not detected by Custos: they are reported
 * separately and left out of the overall figures.
 */
export const PRESIDIO_TYPES: Readonly<Record<string, EntityType>> = {
  PERSON: 'PERSON',
  ADDRESS: 'ADDRESS',
  LOCATION: 'ADDRESS',
  PHONE_NUMBER: 'PHONE',
  CREDIT_CARD: 'CREDIT_CARD',
  EMAIL_ADDRESS: 'EMAIL',
  IP_ADDRESS: 'IP_ADDRESS',
  IBAN_CODE: 'IBAN',
  US_SSN: 'NATIONAL_ID',
  US_ITIN: 'NATIONAL_ID',
  UK_NHS: 'NATIONAL_ID',
  UK_NINO: 'NATIONAL_ID',
  ES_NIF: 'NATIONAL_ID',
  ES_NIE: 'NATIONAL_ID',
  IT_FISCAL_CODE: 'NATIONAL_ID',
  PL_PESEL: 'NATIONAL_ID',
  US_PASSPORT: 'PASSPORT',
  IT_PASSPORT: 'PASSPORT',
  IT_IDENTITY_CARD: 'ID_CARD',
};

/** Words that make a date a date of birth when they come shortly before it. */
const BIRTH_CONTEXT =
  /\b(born|birth|birthday|dob|d\.o\.b|geboren|geburtsdatum|née?|naissance|nacimiento|nat[oa]|geboortedatum|urodzenia|urodzony|född)\b/i;
const BIRTH_WINDOW = 40;

/**
 * Presidio labels every date DATE_TIME. Custos masks dates of birth only, so a DATE_TIME counts as
 * DATE_OF_BIRTH when a birth word comes up to 40 characters before it; any other DATE_TIME is an
 * unscored type (a date we do not mask is not a miss, and one we do mask is not a false alarm).
 * The window stops at the start of the date's sentence.
 */
export function mapPresidioType(text: string, type: string, start: number): string {
  if (type === 'DATE_TIME') {
    const window = text.slice(Math.max(0, start - BIRTH_WINDOW), start);
    // Only the sentence the date is in: "She was born in 1980. Meeting on 2024-05-01" is no DOB.
    const before = window.slice(Math.max(window.lastIndexOf('. '), window.lastIndexOf('\n')) + 1);
    return BIRTH_CONTEXT.test(before) ? 'DATE_OF_BIRTH' : 'DATE_TIME';
  }
  return PRESIDIO_TYPES[type] ?? type;
}

export function toScoreSample(
  id: string,
  sample: PresidioSample,
  predicted: readonly ScoreSpan[],
  mapType: (text: string, type: string, start: number) => string = mapPresidioType,
): ScoreSample {
  return {
    id,
    text: sample.full_text,
    gold: sample.spans.map((span) => ({
      type: mapType(sample.full_text, span.entity_type, span.start_position),
      start: span.start_position,
      end: span.end_position,
    })),
    predicted,
  };
}

export function readPresidioCorpus(path: string): PresidioSample[] {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(parsed)) throw new TypeError(`${path}: expected a JSON array of samples`);
  return parsed as PresidioSample[];
}

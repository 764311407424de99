// The masking benchmark's own parts: the generated corpus is honest (offsets exact, values valid
// where they claim a checksum, invalid where they are look-alikes) and the scorer counts right on
// hand-made cases. No threshold on the engine's accuracy here: benchmarks are not tests.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import { validate as deIdnr } from 'stdnum/lib/cjs/de/idnr.js';
import { validate as esDni } from 'stdnum/lib/cjs/es/dni.js';
import { validate as esNie } from 'stdnum/lib/cjs/es/nie.js';
import { validate as frNir } from 'stdnum/lib/cjs/fr/nir.js';
import { validate as gbNino } from 'stdnum/lib/cjs/gb/nino.js';
import { validate as itCodiceFiscale } from 'stdnum/lib/cjs/it/codicefiscale.js';
import { validate as nlBsn } from 'stdnum/lib/cjs/nl/bsn.js';
import { validate as plPesel } from 'stdnum/lib/cjs/pl/pesel.js';
import { validate as sePersonnummer } from 'stdnum/lib/cjs/se/personnummer.js';
import { validate as usSsn } from 'stdnum/lib/cjs/us/ssn.js';
import { CORPUS_TEMPLATES, type CorpusSample, generateMaskingCorpus } from '../../bench/masking-corpus.ts';
import { mapPresidioType, toScoreSample } from '../../bench/masking-presidio.ts';
import {
  f2Of,
  fBeta,
  precisionOf,
  recallOf,
  type ScoreSample,
  type ScoreSpan,
  scoreSpans,
  scoreTokens,
  tokenF2,
} from '../../bench/masking-score.ts';
import { ENTITY_TYPES } from '../../src/masking/config.ts';

const corpus = generateMaskingCorpus({ size: 320 });
const spansOf = (type: string) => corpus.flatMap((s) => s.spans.filter((span) => span.entity_type === type));

test('the corpus is deterministic, uses every template and covers every entity type', () => {
  assert.deepEqual(generateMaskingCorpus({ size: 320 }), corpus);
  assert.notDeepEqual(generateMaskingCorpus({ size: 320, seed: 1 }), corpus);
  assert.ok(CORPUS_TEMPLATES.length >= 60, `${CORPUS_TEMPLATES.length} templates`);
  assert.deepEqual(
    new Set(corpus.map((s) => s.metadata.template)),
    new Set(CORPUS_TEMPLATES.map((t) => t.name)),
  );
  for (const type of ENTITY_TYPES) assert.ok(spansOf(type).length > 0, `no ${type} in the corpus`);
  assert.deepEqual(
    new Set(corpus.map((s) => s.metadata.language)),
    new Set(['en', 'de', 'fr', 'es', 'it', 'nl', 'pl', 'sv']),
  );
});

test("samples are in Presidio's format with exact offsets; negatives carry no span", () => {
  for (const sample of corpus) {
    assert.deepEqual(Object.keys(sample).sort(), ['full_text', 'metadata', 'spans', 'template_id']);
    for (const span of sample.spans) {
      assert.equal(sample.full_text.slice(span.start_position, span.end_position), span.entity_value);
    }
    if (sample.metadata.kind === 'negative') assert.deepEqual(sample.spans, [], sample.full_text);
    if (sample.metadata.kind === 'json') assert.doesNotThrow(() => JSON.parse(sample.full_text));
  }
});

test('countries: in prose they are negatives; an address that ends in one is labelled with it', () => {
  const prose = corpus.filter((s) => s.metadata.template.endsWith('-countries'));
  assert.ok(prose.length >= 3);
  for (const sample of prose) assert.deepEqual(sample.spans, [], sample.full_text);
  const blocks = corpus.filter((s) => s.metadata.template.endsWith('-country'));
  assert.ok(blocks.length >= 2);
  for (const sample of blocks) {
    const address = sample.spans.find((span) => span.entity_type === 'ADDRESS');
    assert.match(
      address?.entity_value ?? '',
      /(?:Germany|France|Spain|Italy|Netherlands|Poland|Sweden|Deutschland|España|Italia|Nederland|Polska|Sverige)$/i,
    );
  }
});

test('labelled values are valid: example.* e-mails, IBANs and cards that pass their checks', () => {
  for (const { entity_value } of spansOf('EMAIL')) assert.match(entity_value, /@example\.(com|org|net)$/);
  for (const { entity_value } of spansOf('IBAN')) {
    assert.ok(isValidIBAN(electronicFormatIBAN(entity_value) ?? ''), entity_value);
  }
  for (const { entity_value } of spansOf('CREDIT_CARD'))
    assert.ok(luhn(entity_value.replace(/\D/g, '')), entity_value);
});

test('national IDs pass stdnum validation; broken look-alikes fail it', () => {
  const validators = [
    deIdnr,
    frNir,
    esDni,
    esNie,
    itCodiceFiscale,
    nlBsn,
    plPesel,
    sePersonnummer,
    gbNino,
    usSsn,
  ];
  const valid = (value: string): boolean => validators.some((validate) => validate(value).isValid);
  // The NHS number has no stdnum validator: mod 11 over weights 10…2.
  const nhs = (value: string): boolean => {
    const d = value.replace(/\s/g, '');
    const sum = Array.from(d.slice(0, 9)).reduce((acc, c, i) => acc + Number(c) * (10 - i), 0);
    return d.length === 10 && (11 - (sum % 11)) % 11 === Number(d.at(9));
  };
  for (const { entity_value } of spansOf('NATIONAL_ID'))
    assert.ok(valid(entity_value) || nhs(entity_value), entity_value);
  // Each broken look-alike fails its own scheme (a broken BSN may still look like a US SSN).
  const schemeOf: Record<string, typeof deIdnr> = {
    de: deIdnr,
    fr: frNir,
    es: esDni,
    it: itCodiceFiscale,
    nl: nlBsn,
    pl: plPesel,
    sv: sePersonnummer,
  };
  const negatives = corpus.filter((s) => s.metadata.template.endsWith('bad-national-id'));
  assert.ok(negatives.length > 0);
  for (const sample of negatives) {
    const candidate = sample.full_text.match(/\b[0-9A-Z][0-9A-Z-]{7,15}\b/)?.[0] ?? '';
    const scheme = schemeOf[sample.metadata.language];
    assert.ok(candidate !== '' && scheme?.(candidate).isValid === false, sample.full_text);
  }
  for (const sample of corpus.filter((s) => s.metadata.template.endsWith('bad-iban'))) {
    const iban = sample.full_text.match(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4})+/)?.[0] ?? '';
    assert.ok(iban !== '' && !isValidIBAN(iban.replace(/ /g, '')), sample.full_text);
  }
});

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits.at(-1 - i));
    const v = i % 2 === 1 ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
  }
  return sum % 10 === 0;
}

// ---- the scorer, on hand-made cases ----

const asGold = (sample: CorpusSample): ScoreSpan[] =>
  sample.spans.map((s) => ({ type: s.entity_type, start: s.start_position, end: s.end_position }));
const ALL = new Set<string>(ENTITY_TYPES);

function sampleOf(text: string, gold: ScoreSpan[], predicted: ScoreSpan[]): ScoreSample {
  return { id: text, text, gold, predicted };
}

test('perfect predictions score F2 = 1 for every type, span and token rule alike', () => {
  const samples = corpus.map((s, i) => ({
    id: String(i),
    text: s.full_text,
    gold: asGold(s),
    predicted: asGold(s),
  }));
  const spans = scoreSpans(samples, ALL);
  for (const [type, counts] of spans.perType) assert.equal(f2Of(counts), 1, type);
  assert.equal(f2Of(spans.micro), 1);
  assert.equal(spans.errors.length, 0);
  assert.equal(spans.micro.coveredChars, spans.micro.goldChars);
  assert.equal(tokenF2(scoreTokens(samples, ALL).micro).f2, 1);
});

test('a missed span lowers recall only; an extra span lowers precision only', () => {
  const text = 'Mail jane.doe@example.com or call +49 30 1234567.';
  const email = { type: 'EMAIL', start: 5, end: 25 };
  const phone = { type: 'PHONE', start: 34, end: 48 };
  const missed = scoreSpans([sampleOf(text, [email, phone], [email])], ALL);
  assert.equal(recallOf(missed.micro), 0.5);
  assert.equal(precisionOf(missed.micro), 1);
  assert.deepEqual(
    missed.errors.map((e) => [e.kind, e.type, e.value]),
    [['miss', 'PHONE', '+49 30 1234567']],
  );

  const extra = { type: 'PHONE', start: 0, end: 4 };
  const fp = scoreSpans([sampleOf(text, [email, phone], [email, phone, extra])], ALL);
  assert.equal(recallOf(fp.micro), 1);
  assert.equal(precisionOf(fp.micro), 2 / 3);
  assert.equal(f2Of(fp.micro), fBeta(2 / 3, 1));
  assert.equal(fBeta(0.5, 1), 5 / 6); // (1+4)·0.5·1 / (4·0.5 + 1)
  assert.ok(Math.abs(fBeta(1, 0.5) - 5 / 9) < 1e-12);

  const tokens = scoreTokens([sampleOf(text, [email, phone], [email])], ALL);
  assert.ok(tokenF2(tokens.micro).recall < 1);
  assert.equal(tokenF2(tokens.micro).precision, 1);
});

test('overlap counts, wrong type is a miss and a false positive, neutral gold types cost nothing', () => {
  const text = 'Anna Müller works at Acme GmbH.';
  const name = { type: 'PERSON', start: 0, end: 11 };
  const org = { type: 'ORGANIZATION', start: 21, end: 30 };
  // Two partial predictions inside one name: the name is found, both predictions are correct.
  const partial = scoreSpans(
    [
      sampleOf(
        text,
        [name],
        [
          { ...name, end: 4 },
          { ...name, start: 5 },
        ],
      ),
    ],
    ALL,
  );
  assert.equal(f2Of(partial.micro), 1);
  assert.equal(partial.micro.coveredChars, 10); // the space between them leaked
  const wrongType = scoreSpans([sampleOf(text, [name], [{ ...name, type: 'ADDRESS' }])], ALL);
  assert.equal(wrongType.perType.get('PERSON')?.missed, 1);
  assert.equal(wrongType.perType.get('ADDRESS')?.falsePositives, 1);
  assert.equal(wrongType.errors[0]?.confusedWith, 'ADDRESS');
  const neutral = scoreSpans([sampleOf(text, [name, org], [name, { ...org, type: 'PERSON' }])], ALL);
  assert.equal(f2Of(neutral.micro), 1);
  assert.equal(neutral.perType.has('ORGANIZATION'), false);
});

test('Presidio types map onto ours; DATE_TIME counts as a date of birth only after a birth word', () => {
  const text = 'She was born on 12/27/1986. Meeting on 1998-06-28 at Acme.';
  assert.equal(mapPresidioType(text, 'DATE_TIME', 16), 'DATE_OF_BIRTH');
  assert.equal(mapPresidioType(text, 'DATE_TIME', 39), 'DATE_TIME');
  assert.equal(mapPresidioType(text, 'LOCATION', 0), 'ADDRESS');
  assert.equal(mapPresidioType(text, 'US_SSN', 0), 'NATIONAL_ID');
  assert.equal(mapPresidioType(text, 'ORGANIZATION', 53), 'ORGANIZATION');
  const sample = toScoreSample(
    '0',
    {
      full_text: text,
      spans: [{ entity_type: 'PHONE_NUMBER', entity_value: 'x', start_position: 1, end_position: 2 }],
    },
    [],
  );
  assert.deepEqual(sample.gold, [{ type: 'PHONE', start: 1, end: 2 }]);
});

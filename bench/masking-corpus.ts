// The masking benchmark's own labelled corpus, in Presidio's evaluation format: free-text sentences
// in eight languages, JSON tool results, log lines and look-alike negatives, built from the demo
// CRM's fake customers (valid check digits, example.* e-mail domains). Same seed, same corpus.
//
//   node --import tsx bench/masking-corpus.ts [size] > corpus.json

import { type Customer, generateCustomers } from '../demo/crm/data.ts';
import type { CountryCode } from '../demo/crm/locales.ts';
import { createRandom } from '../demo/crm/random.ts';
import type { CorpusSpan, Lang, SampleKind, Template } from './masking-corpus-build.ts';
import { LATER_NEGATIVE_TEMPLATES, NEGATIVE_TEMPLATES } from './masking-corpus-negatives.ts';
import { LATER_SENTENCE_TEMPLATES, SENTENCE_TEMPLATES } from './masking-corpus-sentences.ts';
import { JSON_TEMPLATES, LOG_TEMPLATES } from './masking-corpus-structured.ts';
import { isValidPhone, withValidPolishIban } from './masking-corpus-values.ts';

export type { CorpusSpan, Lang, SampleKind } from './masking-corpus-build.ts';

/** One sample in Presidio's format; `metadata` says which template, language and shape made it. */
export interface CorpusSample {
  full_text: string;
  spans: CorpusSpan[];
  template_id: number;
  metadata: { template: string; language: Lang; kind: SampleKind };
}

export interface CorpusOptions {
  /** How many samples; default 2,400. */
  size?: number;
  seed?: number;
}

export const DEFAULT_CORPUS_SIZE = 2400;
export const DEFAULT_CORPUS_SEED = 0x5eed_0006;

/**
 * Templates added after figures were first published (countries in and out of addresses). They
 * come last and draw from a PRNG of their own, after the others: every earlier sample stays the
 * same, so figures before and after a detector change are on the same samples.
 */
const LATER_TEMPLATES: readonly Template[] = [...LATER_SENTENCE_TEMPLATES, ...LATER_NEGATIVE_TEMPLATES];
/** Samples per later template, per 2,400 samples of corpus. */
const LATER_SHARE = 16 / 2400;

export const CORPUS_TEMPLATES: readonly Template[] = [
  ...SENTENCE_TEMPLATES,
  ...JSON_TEMPLATES,
  ...LOG_TEMPLATES,
  ...NEGATIVE_TEMPLATES,
  ...LATER_TEMPLATES,
];

/** Share of each shape in the corpus: mostly prose, with enough structure and noise to matter. */
const KIND_SHARE: Readonly<Record<SampleKind, number>> = {
  sentence: 0.55,
  json: 0.13,
  log: 0.14,
  negative: 0.18,
};

const LANG_COUNTRY: Readonly<Record<Exclude<Lang, 'en'>, CountryCode>> = {
  de: 'DE',
  fr: 'FR',
  es: 'ES',
  it: 'IT',
  nl: 'NL',
  pl: 'PL',
  sv: 'SE',
};

export function generateMaskingCorpus(options: CorpusOptions = {}): CorpusSample[] {
  const size = options.size ?? DEFAULT_CORPUS_SIZE;
  const seed = options.seed ?? DEFAULT_CORPUS_SEED;
  const r = createRandom(seed ^ 0x0c0ffee);
  // libphonenumber rejects a few of the demo's generated numbers; the gold labels only valid ones.
  const customers = generateCustomers({ count: 800, seed })
    .filter((c) => isValidPhone(c.phone))
    .map(withValidPolishIban);
  const byCountry = new Map<CountryCode, Customer[]>();
  for (const c of customers)
    byCountry.set(c.address.country, [...(byCountry.get(c.address.country) ?? []), c]);

  const samples: CorpusSample[] = [];
  const add = (template: Template, rng: typeof r): void => {
    const pool =
      template.lang === 'en' ? customers : (byCountry.get(LANG_COUNTRY[template.lang]) ?? customers);
    const built = template.make({ r: rng, c: rng.pick(pool), other: rng.pick(customers) });
    samples.push({
      full_text: built.text,
      spans: built.spans.map((span) => ({ ...span })),
      template_id: CORPUS_TEMPLATES.indexOf(template),
      metadata: { template: template.name, language: template.lang, kind: template.kind },
    });
  };
  const kinds = Object.keys(KIND_SHARE) as SampleKind[];
  for (const kind of kinds) {
    const templates = CORPUS_TEMPLATES.filter((t) => t.kind === kind && !LATER_TEMPLATES.includes(t));
    const count = Math.round(size * KIND_SHARE[kind]);
    // Round-robin over the templates so even a small corpus uses every one of them.
    for (let i = 0; i < count; i++) add(templates[i % templates.length] as Template, r);
  }
  const later = createRandom(seed ^ 0x1a7e5);
  const perLater = Math.max(1, Math.round(size * LATER_SHARE));
  for (const template of LATER_TEMPLATES) for (let i = 0; i < perLater; i++) add(template, later);
  // Interleave the shapes (deterministically) so a truncated run still sees all of them.
  for (let i = samples.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [samples[i], samples[j]] = [samples[j] as CorpusSample, samples[i] as CorpusSample];
  }
  return samples;
}

if (import.meta.filename === process.argv[1]) {
  const size = Number(process.argv[2] ?? DEFAULT_CORPUS_SIZE);
  process.stdout.write(`${JSON.stringify(generateMaskingCorpus({ size }), null, 2)}\n`);
}

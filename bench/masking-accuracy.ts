// Masking accuracy: precision, recall and F2 per entity type on the project's generated corpus
// and on Presidio's generated_small.json (../shared/corpus/pii/, when present). A benchmark, not
// a test: it prints figures and the targets they meet or miss, and never fails on them.
//
//   node --import tsx bench/masking-accuracy.ts [--corpus generated|shared|both] [--size N] [--worst N]

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { JsonRpcMessage } from '../src/core/jsonrpc.ts';
import { embeddedJsonStart } from '../src/masking/engine.ts';
import { compileProfile, maskMessage, profileSchema } from '../src/masking/index.ts';
import { DEFAULT_CORPUS_SEED, generateMaskingCorpus } from './masking-corpus.ts';
import { locateJsonStrings } from './masking-json-offsets.ts';
import { type PresidioSample, readPresidioCorpus, toScoreSample } from './masking-presidio.ts';
import { formatTable, formatTargets, formatWorst, TYPE_ORDER } from './masking-report.ts';
import { type ScoreSample, type ScoreSpan, scoreSpans, scoreTokens } from './masking-score.ts';

const SHARED_CORPUS = resolve(import.meta.dirname, '../../shared/corpus/pii/generated_small.json');

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'both' },
    size: { type: 'string' },
    worst: { type: 'string', default: '20' },
  },
});
if (!['generated', 'shared', 'both'].includes(args.corpus)) {
  console.error(`--corpus: expected generated, shared or both, got '${args.corpus}'`);
  process.exit(2);
}
const worst = Number(args.worst);

// The default profile, as a deployment gets it with no masking config: every detector on.
const profile = compileProfile(profileSchema.parse({}), { hmacKey: randomBytes(32) }, { name: 'bench' });

const TEXT_PATH = '$.result.content[0].text';
let unplaced = 0;

/**
 * The engine's findings as spans of `text`, masked the way the gateway masks it: as the text block
 * of a tools/call result. A finding inside JSON that the engine parsed out of the text carries the
 * value's path (`$.result.content[0].text.customers[0].email`) and offsets into the decoded value;
 * those are mapped back onto the text, so JSON samples are scored on the offsets they are labelled with.
 */
function detect(text: string): ScoreSpan[] {
  const message: JsonRpcMessage = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } };
  const { findings } = maskMessage(message, profile);
  let strings: ReturnType<typeof locateJsonStrings> | undefined;
  const spans: ScoreSpan[] = [];
  for (const f of findings) {
    if (f.path === TEXT_PATH) {
      spans.push({ type: f.type, start: f.start, end: f.end });
      continue;
    }
    strings ??= f.path.startsWith(TEXT_PATH) ? locateInText(text) : new Map();
    const located = strings.get(`$${f.path.slice(TEXT_PATH.length)}`);
    const start = located?.rawOffsets[f.start];
    const end = located?.rawOffsets[f.end];
    // A masked object key (`…email~`) or a path outside the text has no labelled counterpart.
    if (start === undefined || end === undefined) unplaced++;
    else spans.push({ type: f.type, start, end });
  }
  return spans;
}

/** The JSON strings of a text that is JSON, or prose followed by JSON (as the engine reads it). */
function locateInText(text: string): ReturnType<typeof locateJsonStrings> {
  try {
    return locateJsonStrings(text);
  } catch {
    const at = embeddedJsonStart(text);
    if (at < 0) return new Map();
    const shifted: ReturnType<typeof locateJsonStrings> = new Map();
    for (const [key, s] of locateJsonStrings(text.slice(at))) {
      shifted.set(key, { path: s.path, rawOffsets: s.rawOffsets.map((o) => o + at) });
    }
    return shifted;
  }
}

const ALL_TYPES = new Set<string>(TYPE_ORDER);

function report(title: string, samples: readonly ScoreSample[], templateOf: (id: string) => string): void {
  const spans = scoreSpans(samples, ALL_TYPES);
  const tokens = scoreTokens(samples, ALL_TYPES);
  const byId = new Map(samples.map((s) => [s.id, s.text]));
  console.log(`\n== ${title}`);
  for (const line of formatTable(spans, tokens)) console.log(line);
  for (const line of formatTargets(spans)) console.log(line);
  if (worst > 0 && spans.errors.length > 0) {
    console.log(
      `most frequent errors (of ${spans.errors.length}; count, kind, type, template, example in context):`,
    );
    for (const line of formatWorst(spans.errors, (id) => byId.get(id) ?? '', templateOf, worst))
      console.log(line);
  }
  if (unplaced > 0)
    console.log(`${unplaced} findings could not be placed in the sample text (masked keys): not scored`);
  unplaced = 0;
}

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
}

if (args.corpus !== 'shared') {
  const size = args.size === undefined ? undefined : Number(args.size);
  const corpus = generateMaskingCorpus(size === undefined ? {} : { size });
  const { result: samples, ms } = timed(() =>
    corpus.map(
      (s, i): ScoreSample => ({
        id: String(i),
        text: s.full_text,
        gold: s.spans.map((g) => ({ type: g.entity_type, start: g.start_position, end: g.end_position })),
        predicted: detect(s.full_text),
      }),
    ),
  );
  const spans = corpus.reduce((n, s) => n + s.spans.length, 0);
  const templates = new Set(corpus.map((s) => s.metadata.template)).size;
  report(
    `generated corpus: ${corpus.length} samples (seed 0x${DEFAULT_CORPUS_SEED.toString(16)}), ${spans} labelled spans, ${templates} templates, 8 languages; detection ${ms.toFixed(0)} ms`,
    samples,
    (id) => {
      const m = corpus[Number(id)]?.metadata;
      return m === undefined ? '' : `${m.kind}/${m.template}`;
    },
  );
}

if (args.corpus !== 'generated') {
  if (!existsSync(SHARED_CORPUS)) {
    console.log(`\n== shared corpus: ${SHARED_CORPUS} not present, skipped`);
  } else {
    const corpus: PresidioSample[] = readPresidioCorpus(SHARED_CORPUS);
    const samples = corpus.map((s, i) => toScoreSample(String(i), s, detect(s.full_text)));
    report(
      `shared corpus: ${corpus.length} samples of presidio-research's generated_small.json (types mapped; unscored types below)`,
      samples,
      (id) => `template ${String(corpus[Number(id)]?.template_id ?? '?')}`,
    );
    reportUnscored(samples);
  }
}

/** Gold types Custos does not detect: support, and how many a mask of any type touched anyway. */
function reportUnscored(samples: readonly ScoreSample[]): void {
  const counts = new Map<string, { support: number; touched: number }>();
  for (const s of samples) {
    for (const g of s.gold) {
      if (ALL_TYPES.has(g.type)) continue;
      const c = counts.get(g.type) ?? { support: 0, touched: 0 };
      c.support++;
      if (s.predicted.some((p) => p.start < g.end && g.start < p.end)) c.touched++;
      counts.set(g.type, c);
    }
  }
  const list = [...counts].map(([type, c]) => `${type} ${c.support} (${c.touched} masked anyway)`).join(', ');
  console.log(
    `not scored (types Custos does not detect; excluded from every figure above, and a mask over them is neither a hit nor a false positive): ${list}`,
  );
  console.log(
    'DATE_TIME counts as DATE_OF_BIRTH when a birth word precedes it in its sentence; other dates are the DATE_TIME above.',
  );
}

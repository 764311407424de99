// Scores predicted spans against labelled spans, per entity type. Pure: the tests check it on
// hand-made cases, the benchmark feeds it the engine's findings.
//
// Span-overlap rule (the primary figure):
// - a gold span counts as found (TP) when a prediction of the same type overlaps it by at least one
//   character, else it is a miss (FN);
// - a prediction counts as correct when it overlaps a gold span of its type, as neutral when it
//   overlaps only a gold span of a type we do not score (e.g. Presidio's ORGANIZATION: the gold
//   calls it personal data too), else it is a false positive (FP);
// - precision = correct predictions / non-neutral predictions, recall = found gold / gold, and
//   F2 = 5PR / (4P + R): recall weighs four times as much, since a leak costs more than a mask.
// One prediction may find several gold spans and several predictions may share one: masking a
// name in two pieces still masks it. The `covered` figure catches what overlap forgives: the
// share of gold characters masked by any prediction, i.e. what did not leak.
//
// Token rule (secondary, the way Presidio's evaluator counts): text is cut into word and
// punctuation tokens, each gets the gold and the predicted type that overlap it, and a token is a
// TP, FP or FN for a type by comparing the two labels; tokens of unscored gold types are skipped.

/** A span of text labelled with an entity type; `value` only for reports. */
export interface ScoreSpan {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

export interface ScoreSample {
  readonly id: string;
  readonly text: string;
  readonly gold: readonly ScoreSpan[];
  readonly predicted: readonly ScoreSpan[];
}

export interface TypeCounts {
  /** Gold spans of this type. */
  support: number;
  /** Gold spans found by a same-type prediction. */
  found: number;
  /** Gold spans missed. */
  missed: number;
  /** Predictions of this type that overlap a gold span of this type. */
  correct: number;
  /** Predictions of this type that overlap no gold span of this type (nor a neutral one). */
  falsePositives: number;
  /** Gold characters of this type masked by a prediction of any type. */
  coveredChars: number;
  goldChars: number;
}

export interface ScoreError {
  readonly kind: 'miss' | 'false-positive';
  readonly type: string;
  /** A miss predicted as another type, or a false positive on a gold span of another type. */
  readonly confusedWith?: string;
  readonly sampleId: string;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

export interface SpanScore {
  readonly perType: ReadonlyMap<string, TypeCounts>;
  readonly micro: TypeCounts;
  readonly errors: readonly ScoreError[];
}

export interface TokenCounts {
  tp: number;
  fp: number;
  fn: number;
}

export interface TokenScore {
  readonly perType: ReadonlyMap<string, TokenCounts>;
  readonly micro: TokenCounts;
}

const emptyCounts = (): TypeCounts => ({
  support: 0,
  found: 0,
  missed: 0,
  correct: 0,
  falsePositives: 0,
  coveredChars: 0,
  goldChars: 0,
});

const overlaps = (a: ScoreSpan, b: ScoreSpan): boolean => a.start < b.end && b.start < a.end;

export function fBeta(precision: number, recall: number, beta = 2): number {
  const b2 = beta * beta;
  const denominator = b2 * precision + recall;
  return denominator === 0 ? 0 : ((1 + b2) * precision * recall) / denominator;
}

/** Precision over predictions; 1 when nothing was predicted (no false alarm was raised). */
export function precisionOf(counts: TypeCounts): number {
  const predicted = counts.correct + counts.falsePositives;
  return predicted === 0 ? 1 : counts.correct / predicted;
}

/** Recall over gold spans; 1 when there was nothing to find. */
export function recallOf(counts: TypeCounts): number {
  return counts.support === 0 ? 1 : counts.found / counts.support;
}

export const f2Of = (counts: TypeCounts): number => fBeta(precisionOf(counts), recallOf(counts));

function countFor(map: Map<string, TypeCounts>, type: string): TypeCounts {
  let counts = map.get(type);
  if (counts === undefined) {
    counts = emptyCounts();
    map.set(type, counts);
  }
  return counts;
}

function coveredLength(span: ScoreSpan, predicted: readonly ScoreSpan[]): number {
  let covered = 0;
  for (let i = span.start; i < span.end; i++) {
    if (predicted.some((p) => p.start <= i && i < p.end)) covered++;
  }
  return covered;
}

/** Span-overlap scoring over gold types in `scored`; other gold types are neutral. */
export function scoreSpans(samples: readonly ScoreSample[], scored: ReadonlySet<string>): SpanScore {
  const perType = new Map<string, TypeCounts>();
  const errors: ScoreError[] = [];
  for (const sample of samples) {
    const gold = sample.gold.filter((g) => scored.has(g.type));
    const neutral = sample.gold.filter((g) => !scored.has(g.type));
    const error = (kind: ScoreError['kind'], span: ScoreSpan, confusedWith?: string): ScoreError => ({
      kind,
      type: span.type,
      ...(confusedWith === undefined ? {} : { confusedWith }),
      sampleId: sample.id,
      start: span.start,
      end: span.end,
      value: sample.text.slice(span.start, span.end),
    });
    for (const g of gold) {
      const counts = countFor(perType, g.type);
      counts.support++;
      counts.goldChars += g.end - g.start;
      counts.coveredChars += coveredLength(g, sample.predicted);
      if (sample.predicted.some((p) => p.type === g.type && overlaps(p, g))) {
        counts.found++;
      } else {
        counts.missed++;
        errors.push(error('miss', g, sample.predicted.find((p) => overlaps(p, g))?.type));
      }
    }
    for (const p of sample.predicted) {
      const counts = countFor(perType, p.type);
      if (gold.some((g) => g.type === p.type && overlaps(p, g))) counts.correct++;
      else if (neutral.some((g) => overlaps(p, g))) continue;
      else {
        counts.falsePositives++;
        errors.push(error('false-positive', p, gold.find((g) => overlaps(p, g))?.type));
      }
    }
  }
  const micro = emptyCounts();
  for (const counts of perType.values()) {
    for (const key of Object.keys(micro) as (keyof TypeCounts)[]) micro[key] += counts[key];
  }
  return { perType, micro, errors };
}

const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/** Token-level scoring in the manner of Presidio's evaluator (IO labels, one per token). */
export function scoreTokens(samples: readonly ScoreSample[], scored: ReadonlySet<string>): TokenScore {
  const perType = new Map<string, TokenCounts>();
  const bump = (type: string, key: keyof TokenCounts): void => {
    const counts = perType.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    counts[key]++;
    perType.set(type, counts);
  };
  for (const sample of samples) {
    for (const match of sample.text.matchAll(TOKEN)) {
      const token = { type: '', start: match.index, end: match.index + match[0].length };
      const gold = sample.gold.find((g) => overlaps(g, token))?.type;
      if (gold !== undefined && !scored.has(gold)) continue;
      const predicted = sample.predicted.find((p) => overlaps(p, token))?.type;
      if (gold !== undefined && gold === predicted) bump(gold, 'tp');
      else {
        if (gold !== undefined) bump(gold, 'fn');
        if (predicted !== undefined) bump(predicted, 'fp');
      }
    }
  }
  const micro: TokenCounts = { tp: 0, fp: 0, fn: 0 };
  for (const counts of perType.values()) {
    micro.tp += counts.tp;
    micro.fp += counts.fp;
    micro.fn += counts.fn;
  }
  return { perType, micro };
}

export function tokenF2(counts: TokenCounts): { precision: number; recall: number; f2: number } {
  const precision = counts.tp + counts.fp === 0 ? 1 : counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp + counts.fn === 0 ? 1 : counts.tp / (counts.tp + counts.fn);
  return { precision, recall, f2: fBeta(precision, recall) };
}

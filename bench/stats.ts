// Latency summary for the load generator: nearest-rank percentiles over every counted call.

export interface LatencySummary {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The nearest-rank `p`th percentile (0–100) of ascending `sorted`; NaN if it is empty. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  return n === 0
    ? Number.NaN
    : (sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] ?? Number.NaN);
}

/** Sorts `latencies` (ms) in place and returns nearest-rank p50/p90/p99, max and mean (NaN if empty). */
export function summarizeLatencies(latencies: number[]): LatencySummary {
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  const percentile = (p: number): number => nearestRank(latencies, p);
  let sum = 0;
  for (const x of latencies) sum += x;
  return {
    p50_ms: round3(percentile(50)),
    p90_ms: round3(percentile(90)),
    p99_ms: round3(percentile(99)),
    max_ms: round3(latencies[n - 1] ?? Number.NaN),
    mean_ms: round3(n === 0 ? Number.NaN : sum / n),
  };
}

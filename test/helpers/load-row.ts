import type { LoadRow } from '../../bench/measure.ts';

/** A bench row as `measureRow` returns it (raw echo through Custos at 16 sessions), with `over` on top. */
export function loadRow(over: Partial<LoadRow>): LoadRow {
  return {
    kind: 'load',
    case: 'echo-raw-16',
    title: 'echo raw, 16 sessions',
    path: 'custos',
    mode: 'raw',
    sessions: 16,
    tool: 'echo',
    calls: 1000,
    errors: 0,
    calls_per_s: 200,
    p50_ms: 5,
    p99_ms: 9,
    window_calls: 1000,
    total_calls: 1200,
    hop_cpu_ms: 250,
    hop_cpu_run_ms: 300,
    upstream_cpu_ms: 100,
    upstream_cpu_run_ms: 120,
    load_error: null,
    ...over,
  };
}

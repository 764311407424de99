// The load matrix: which tool, client mode and session count each row runs, and through which paths.

/**
 * direct: the upstream itself; nginx and node: plain reverse proxies, the floors; relay: bytes
 * relayed between sockets by Node.js, the floor of any Node.js process on the path; custos: Custos
 * with `auth: none`; custos-auth: Custos checking a gateway token on every call; custos-mask: Custos
 * masking the answers with the default profile; custos-memory: Custos with a ':memory:' store, so
 * the audit trail is written in-process without an fsync — what durable audit costs is custos
 * minus custos-memory.
 */
export type PathName =
  | 'direct'
  | 'nginx'
  | 'node'
  | 'relay'
  | 'custos'
  | 'custos-auth'
  | 'custos-mask'
  | 'custos-memory';
export const PATHS: readonly PathName[] = [
  'direct',
  'nginx',
  'node',
  'relay',
  'custos',
  'custos-auth',
  'custos-mask',
  'custos-memory',
];

export interface BenchCase {
  /** Stable id for --case, e.g. `echo-raw-16`. */
  id: string;
  title: string;
  tool: 'echo' | 'customer';
  args: Record<string, unknown>;
  mode: 'raw' | 'sdk';
  sessions: number;
  /** The paths this case runs through. */
  paths: readonly PathName[];
}

const PAYLOADS = {
  echo: { title: 'echo', args: { message: 'hi' } },
  // Tool text ~65.6 KB; the JSON-RPC body on the wire is ~75 KB because the JSON text is escaped.
  customer: { title: 'customer 64 KiB', args: { bytes: 65536 } },
} as const;

/**
 * direct, nginx and custos run every case. The node and relay floors run the echo cases, which the
 * Custos CPU target is about, and the 64 KiB result at 16 sessions; custos-auth runs the raw echo cases,
 * since checking a token costs per call, not per byte. That keeps the default run near 3 minutes;
 * `full` runs every path on every case.
 */
function pathsFor(tool: BenchCase['tool'], mode: BenchCase['mode'], sessions: number, full: boolean) {
  return PATHS.filter((path) => {
    if (full) return true;
    if (path === 'node' || path === 'relay') return tool === 'echo' || (mode === 'raw' && sessions === 16);
    if (path === 'custos-auth') return tool === 'echo' && mode === 'raw';
    // Masking costs per byte of personal data: the 64 KiB customer results are its case.
    if (path === 'custos-mask') return tool === 'customer' && mode === 'raw';
    // Durable audit costs per call (an fsync, shared by the calls of one group commit).
    if (path === 'custos-memory') return tool === 'echo' && mode === 'raw';
    return true;
  });
}

function benchCase(
  tool: BenchCase['tool'],
  mode: BenchCase['mode'],
  sessions: number,
  full: boolean,
): BenchCase {
  const payload = PAYLOADS[tool];
  return {
    id: `${tool}-${mode}-${sessions}`,
    title: `${payload.title} · ${mode} · ${sessions} sess`,
    tool,
    args: { ...payload.args },
    mode,
    sessions,
    paths: pathsFor(tool, mode, sessions, full),
  };
}

/**
 * Raw mode (undici pool) for every payload and session count — the better mode for throughput
 * ratios on a small machine — plus the SDK client for echo, as a real client sees it. `full` adds
 * the SDK client for the large result too, and runs every path on every case.
 */
export function benchCases(full: boolean): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const tool of ['echo', 'customer'] as const) {
    for (const sessions of [1, 16]) {
      cases.push(benchCase(tool, 'raw', sessions, full));
      if (tool === 'echo' || full) cases.push(benchCase(tool, 'sdk', sessions, full));
    }
  }
  return cases;
}

/**
 * Cases named by `filters` (all when there is none): a whole id, or its leading parts, so `echo`
 * and `echo-raw` select several while `echo-raw-1` does not also select `echo-raw-16`.
 */
export function selectCases(cases: readonly BenchCase[], filters: readonly string[]): BenchCase[] {
  if (filters.length === 0) return [...cases];
  return cases.filter((c) => filters.some((f) => c.id === f || c.id.startsWith(`${f}-`)));
}

/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`) against a URL and
 * returns one outcome per scenario, so a direct run and a run through the gateway can be compared
 * map to map.
 *
 * The suite needs Node 22, so it runs through `npx -p node@22`. Outcomes are read from the
 * `checks.json` files the suite writes with `--output-dir` (one directory per scenario), not from
 * its console output: those files hold every check's status and are the suite's machine-readable
 * record. The console is only used to learn which scenarios the run attempted, so a scenario that
 * crashed before writing its file still appears, as `error`.
 *
 * CLI: `node --import tsx test/conformance/run-suite.ts --url URL --suite 0.1.16 [--spec-version V]
 *       [--selection all] [--scenario NAME ...] [--json]`
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type SuiteVersion = '0.1.16' | '0.2.0-alpha.12';
export const SUITE_VERSIONS: readonly SuiteVersion[] = ['0.1.16', '0.2.0-alpha.12'];

/** Which scenario list the suite picks when no `scenarios` are given (its `--suite` flag). */
export type ScenarioSelection = 'active' | 'all' | 'pending' | 'draft';
const SELECTIONS: readonly ScenarioSelection[] = ['active', 'all', 'pending', 'draft'];

/**
 * - `pass`: no check failed or warned;
 * - `warn`: no check failed, at least one warned (the suite's own baseline counts this as failing);
 * - `fail`: at least one check failed;
 * - `skip`: the suite ran the scenario but recorded no checks (not applicable at the spec version);
 * - `error`: the scenario was attempted but left no result file (it crashed).
 */
export type ScenarioOutcome = 'pass' | 'warn' | 'fail' | 'skip' | 'error';

export interface ConformanceOptions {
  suite: SuiteVersion;
  /** `--spec-version`: keep only scenarios that apply to this protocol revision (e.g. `2026-07-28`). */
  specVersion?: string;
  /** Run exactly these scenarios, one suite invocation each; otherwise the `selection` list. */
  scenarios?: readonly string[];
  /** Defaults to the suite's own default, `active`. */
  selection?: ScenarioSelection;
  /** Per-scenario timeout the suite enforces (0.2 only); defaults to the suite's 30 s. */
  scenarioTimeoutMs?: number;
  /** Kill the suite process after this long. Default 10 minutes. */
  processTimeoutMs?: number;
}

export interface ScenarioResult {
  outcome: ScenarioOutcome;
  passed: number;
  failed: number;
  warnings: number;
  /** Ids of the checks that failed or warned, sorted, for diagnosing a difference between two runs. */
  problems: string[];
}

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

const RUN_MARKER = /^=== Running scenario: (.+) ===$/gm;
/** `<output-dir>/server-<scenario>-<ISO timestamp with ':' and '.' as '-'>/checks.json` */
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const DEFAULT_PROCESS_TIMEOUT_MS = 10 * 60 * 1000;

function suiteArgs(suite: SuiteVersion): string[] {
  return [
    '-y',
    '-p',
    'node@22',
    '-p',
    `@modelcontextprotocol/conformance@${suite}`,
    '--',
    'conformance',
    'server',
  ];
}

function runProcess(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout can stop npx and the Node 22 process it started, by group id.
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      reject(new Error(`conformance suite did not finish within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function summarizeChecks(checks: readonly Check[]): ScenarioResult {
  const count = (status: string) => checks.filter((check) => check.status === status).length;
  const passed = count('SUCCESS');
  const failed = count('FAILURE');
  const warnings = count('WARNING');
  const problems = checks
    .filter((check) => check.status === 'FAILURE' || check.status === 'WARNING')
    .map((check) => `${check.id} (${check.status.toLowerCase()})`)
    .sort();
  const scored = checks.some((check) => check.status !== 'INFO');
  const outcome: ScenarioOutcome =
    failed > 0 ? 'fail' : warnings > 0 ? 'warn' : scored || passed > 0 ? 'pass' : 'skip';
  return { outcome, passed, failed, warnings, problems };
}

async function readResults(outputDir: string): Promise<Map<string, ScenarioResult>> {
  const results = new Map<string, ScenarioResult>();
  for (const entry of await readdir(outputDir)) {
    const scenario = RESULT_DIR.exec(entry)?.[1];
    if (scenario === undefined) continue;
    let checks: Check[];
    try {
      checks = JSON.parse(await readFile(join(outputDir, entry, 'checks.json'), 'utf8')) as Check[];
    } catch {
      // The suite makes the directory first and writes checks.json last; a scenario that is not
      // applicable at the requested spec version is skipped in between.
      checks = [];
    }
    results.set(scenario, summarizeChecks(checks));
  }
  return results;
}

function errorResult(): ScenarioResult {
  return {
    outcome: 'error',
    passed: 0,
    failed: 0,
    warnings: 0,
    problems: ['no checks.json (scenario crashed)'],
  };
}

/** One suite invocation; returns the scenarios it attempted, each with its result. */
async function runOnce(url: string, options: ConformanceOptions, scenario?: string) {
  const outputDir = await mkdtemp(join(tmpdir(), 'custos-conformance-'));
  try {
    const args = [...suiteArgs(options.suite), '--url', url, '--output-dir', outputDir];
    if (scenario !== undefined) args.push('--scenario', scenario);
    else if (options.selection !== undefined) args.push('--suite', options.selection);
    if (options.specVersion !== undefined) args.push('--spec-version', options.specVersion);
    if (options.scenarioTimeoutMs !== undefined && options.suite !== '0.1.16') {
      args.push('--timeout', String(options.scenarioTimeoutMs));
    }
    const { code, output } = await runProcess(args, options.processTimeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS);
    const attempted =
      scenario !== undefined ? [scenario] : [...output.matchAll(RUN_MARKER)].map((m) => m[1] ?? '');
    const results = await readResults(outputDir);
    if (attempted.length === 0 && results.size === 0) {
      throw new Error(`conformance suite ran no scenario (exit ${code}):\n${output.slice(-2000)}`);
    }
    const merged = new Map<string, ScenarioResult>();
    for (const name of new Set([...attempted, ...results.keys()]))
      merged.set(name, results.get(name) ?? errorResult());
    return merged;
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** Every scenario the suite ran, sorted by name, with its counts and the ids of its failing checks. */
export async function runConformanceDetailed(
  url: string,
  options: ConformanceOptions,
): Promise<Map<string, ScenarioResult>> {
  const collected = new Map<string, ScenarioResult>();
  if (options.scenarios === undefined) {
    for (const [name, result] of await runOnce(url, options)) collected.set(name, result);
  } else {
    // The suite takes one --scenario per invocation.
    for (const scenario of options.scenarios) {
      for (const [name, result] of await runOnce(url, options, scenario)) collected.set(name, result);
    }
  }
  return new Map([...collected].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Scenario name → outcome, sorted by name: the map a direct run and a gateway run compare. */
export async function runConformance(
  url: string,
  options: ConformanceOptions,
): Promise<Map<string, ScenarioOutcome>> {
  const detailed = await runConformanceDetailed(url, options);
  return new Map([...detailed].map(([name, result]) => [name, result.outcome]));
}

export function formatSummaryTable(results: ReadonlyMap<string, ScenarioResult>): string {
  const width = Math.max('scenario'.length, ...[...results.keys()].map((name) => name.length));
  const lines = [`${'scenario'.padEnd(width)}  outcome  pass  fail  warn`];
  const totals = new Map<ScenarioOutcome, number>();
  for (const [name, r] of results) {
    totals.set(r.outcome, (totals.get(r.outcome) ?? 0) + 1);
    const counts = [r.passed, r.failed, r.warnings].map((n) => String(n).padStart(4)).join('  ');
    lines.push(`${name.padEnd(width)}  ${r.outcome.padEnd(7)}  ${counts}`);
    for (const problem of r.problems) lines.push(`${''.padEnd(width)}    - ${problem}`);
  }
  const summary = [...totals].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  lines.push('', `${results.size} scenarios: ${summary || 'none'}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      suite: { type: 'string', default: '0.1.16' },
      'spec-version': { type: 'string' },
      selection: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const suite = SUITE_VERSIONS.find((version) => version === values.suite);
  if (values.url === undefined || suite === undefined) {
    console.error(`usage: run-suite.ts --url URL --suite ${SUITE_VERSIONS.join('|')} [--spec-version V]`);
    process.exit(2);
  }
  const options: ConformanceOptions = { suite };
  if (values['spec-version'] !== undefined) options.specVersion = values['spec-version'];
  const selection = SELECTIONS.find((s) => s === values.selection);
  if (selection !== undefined) options.selection = selection;
  if (values.scenario !== undefined) options.scenarios = values.scenario;
  const results = await runConformanceDetailed(values.url, options);
  console.log(
    values.json ? JSON.stringify(Object.fromEntries(results), null, 2) : formatSummaryTable(results),
  );
  const clean = [...results.values()].every((r) => r.outcome === 'pass' || r.outcome === 'skip');
  process.exitCode = clean ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

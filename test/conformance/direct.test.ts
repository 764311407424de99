/**
 * The official MCP conformance suite, run directly against the fixture server: the baseline a run
 * through the gateway is compared with. Real sockets, the real suite (via npx, Node 22).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConformanceServer, startConformanceServer } from '../fixtures/conformance-server.ts';
import { type ConformanceOptions, runConformanceDetailed, type ScenarioResult } from './run-suite.ts';

/** Scenarios both suite versions run against the legacy (2025-era) protocol. */
const LEGACY_CORE = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'elicitation-sep1034-defaults',
  'elicitation-sep1330-enums',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
] as const;

/** 0.1.16 `--suite active` (its default): 30 scenarios; json-schema-2020-12 and server-sse-polling are pending. */
const ACTIVE_0_1_16: readonly string[] = LEGACY_CORE;

/** 0.2.0-alpha.12 `--suite active`: the same plus server-session-lifecycle. */
const ACTIVE_0_2_0: readonly string[] = [...LEGACY_CORE, 'server-session-lifecycle'];

/**
 * 0.2.0-alpha.12 `--suite all --spec-version 2026-07-28`: every scenario that applies to the
 * 2026-07-28 revision, including those introduced by it (which `active` leaves out as draft).
 * Extension scenarios (tasks-*, sep-2640-skills-*) are not on the spec timeline and are not run.
 */
const MODERN_2026_07_28: readonly string[] = [
  'server-stateless',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'json-schema-2020-12',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'sep-2164-resource-not-found',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
  'caching',
  'http-header-validation',
  'http-custom-header-server-validation',
  'input-required-result-basic-elicitation',
  'input-required-result-basic-sampling',
  'input-required-result-basic-list-roots',
  'input-required-result-request-state',
  'input-required-result-multiple-input-requests',
  'input-required-result-multi-round',
  'input-required-result-missing-input-response',
  'input-required-result-non-tool-request',
  'input-required-result-result-type',
  'input-required-result-unsupported-methods',
  'input-required-result-tampered-state',
  'input-required-result-capability-check',
  'input-required-result-ignore-extra-params',
  'input-required-result-validate-input',
];

/**
 * Scenarios the fixture is known not to pass directly, scenario → why. Empty: every selected
 * scenario passes. Not selected, so not listed: 0.1.16's pending server-sse-polling (it posts with
 * `MCP-Protocol-Version: 2025-03-26`, for which SDK v1 rightly sends no SSE priming event, so it
 * only warns) and the 0.2 extension scenarios (tasks-*, skills), which the fixture does not implement.
 * An entry that starts passing fails the test, so this list cannot go stale.
 */
const EXPECTED_FAILURES: ReadonlyMap<string, string> = new Map<string, string>([]);

function assertOutcomes(results: ReadonlyMap<string, ScenarioResult>, expectedScenarios: readonly string[]) {
  assert.deepEqual(
    [...results.keys()].sort(),
    [...expectedScenarios].sort(),
    'the suite ran a different scenario set',
  );
  const surprises: string[] = [];
  for (const [name, result] of results) {
    const expectedToFail = EXPECTED_FAILURES.has(name);
    const passed = result.outcome === 'pass';
    if (passed === expectedToFail) {
      const detail = result.problems.length > 0 ? `: ${result.problems.join(', ')}` : '';
      surprises.push(
        `${name} ${result.outcome}${expectedToFail ? ' (listed as an expected failure)' : detail}`,
      );
    }
  }
  assert.deepEqual(surprises, [], `unexpected outcomes:\n${surprises.join('\n')}`);
}

describe('conformance suite directly against the fixture server', { timeout: 10 * 60 * 1000 }, () => {
  let server: ConformanceServer;

  before(async () => {
    server = await startConformanceServer();
  });

  after(async () => {
    await server.close();
  });

  const runs: ReadonlyArray<{ title: string; options: ConformanceOptions; scenarios: readonly string[] }> = [
    { title: '0.1.16, active suite (legacy era)', options: { suite: '0.1.16' }, scenarios: ACTIVE_0_1_16 },
    {
      title: '0.2.0-alpha.12, active suite (legacy era)',
      options: { suite: '0.2.0-alpha.12' },
      scenarios: ACTIVE_0_2_0,
    },
    {
      title: '0.2.0-alpha.12, all scenarios at 2026-07-28 (modern era)',
      options: { suite: '0.2.0-alpha.12', selection: 'all', specVersion: '2026-07-28' },
      scenarios: MODERN_2026_07_28,
    },
  ];

  for (const run of runs) {
    it(`${run.title}: every scenario passes`, async () => {
      assertOutcomes(await runConformanceDetailed(server.url, run.options), run.scenarios);
    });
  }
});

/**
 * The official MCP conformance suite through the gateway gives the same result, scenario by
 * scenario, as directly against the fixture server — both eras. The suite sends no Authorization
 * header, so the route runs without authentication (auth.mode: none).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/server.ts';
import { type ConformanceServer, startConformanceServer } from '../fixtures/conformance-server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type ConformanceOptions, runConformanceDetailed, type ScenarioResult } from './run-suite.ts';

const RUNS: ReadonlyArray<{ title: string; options: ConformanceOptions }> = [
  { title: '0.1.16, active suite (legacy era)', options: { suite: '0.1.16' } },
  { title: '0.2.0-alpha.12, active suite (legacy era)', options: { suite: '0.2.0-alpha.12' } },
  {
    title: '0.2.0-alpha.12, all scenarios at 2026-07-28 (modern era)',
    options: { suite: '0.2.0-alpha.12', selection: 'all', specVersion: '2026-07-28' },
  },
];

function outcomes(results: ReadonlyMap<string, ScenarioResult>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, r] of results) out[name] = r.outcome;
  return out;
}

describe('conformance suite: through the gateway = direct', { timeout: 15 * 60 * 1000 }, () => {
  let server: ConformanceServer;
  let gw: Gateway;

  before(async () => {
    server = await startConformanceServer();
    gw = await startTestGateway({ conf: { http: { url: server.url } } });
  });

  after(async () => {
    await gw.close();
    await server.close();
  });

  for (const run of RUNS) {
    it(run.title, async () => {
      const direct = await runConformanceDetailed(server.url, run.options);
      const via = await runConformanceDetailed(gw.routes.get('conf') as string, run.options);
      const differences = [...new Set([...direct.keys(), ...via.keys()])]
        .filter((name) => direct.get(name)?.outcome !== via.get(name)?.outcome)
        .map(
          (name) =>
            `${name}: direct ${direct.get(name)?.outcome}, via gateway ${via.get(name)?.outcome} ${via.get(name)?.problems.join(', ') ?? ''}`,
        );
      assert.deepEqual(differences, [], `differences:\n${differences.join('\n')}`);
      assert.deepEqual(outcomes(via), outcomes(direct));
      assert.ok(direct.size >= 30, 'the suite ran its scenarios');
    });
  }
});

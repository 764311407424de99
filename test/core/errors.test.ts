import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_SPECS } from '../../src/core/errors.ts';

test('docs/errors.md lists exactly the codes of src/core/errors.ts, with the same statuses', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, { http: number; rpc: number }>();
  for (const m of doc.matchAll(/^\|\s*`(CUSTOS_[A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*(-?\d+)\s*\|/gm)) {
    documented.set(m[1] as string, { http: Number(m[2]), rpc: Number(m[3]) });
  }
  const actual = new Map(Object.entries(ERROR_SPECS).map(([k, v]) => [k, { http: v.http, rpc: v.rpc }]));
  assert.deepEqual([...documented.keys()].sort(), [...actual.keys()].sort());
  for (const [code, spec] of actual) assert.deepEqual(documented.get(code), spec, code);
});

test('every code is raised somewhere outside its definition', async () => {
  const { execFileSync } = await import('node:child_process');
  const src = execFileSync(
    'grep',
    ['-rhoE', "'CUSTOS_[A-Z_]+'", 'src', '--include=*.ts', '--exclude=errors.ts'],
    {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    },
  );
  const used = new Set(
    src
      .split('\n')
      .filter(Boolean)
      .map((s) => s.slice(1, -1)),
  );
  const unused = Object.keys(ERROR_SPECS).filter((code) => !used.has(code));
  assert.deepEqual(unused, [], `codes never raised: ${unused.join(', ')}`);
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

// STYLE.md: dependencies point down — cli → gateway → steps → store/core — and steps never
// import each other. Type-only imports are free (they vanish at run time).

const SRC = resolve(import.meta.dirname, '../../src');

const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  config: ['config', 'core', 'masking', 'audit'],
  audit: ['audit', 'core', 'config', 'store', 'masking'],
  store: ['store', 'core'],
  session: ['session', 'core', 'config'],
  identity: ['identity', 'core', 'config'],
  transport: ['transport', 'core', 'config'],
  credentials: ['credentials', 'core', 'config'],
  policy: ['policy', 'core'],
  masking: ['masking', 'core', 'config'],
  approval: ['approval', 'core'],
  admin: ['admin', 'core', 'identity', 'approval', 'policy', 'audit'],
  gateway: [
    'gateway',
    'core',
    'config',
    'store',
    'session',
    'identity',
    'transport',
    'credentials',
    'masking',
    'policy',
    'approval',
    'admin',
    'audit',
  ],
  cli: [
    'cli',
    'gateway',
    'core',
    'config',
    'store',
    'identity',
    'credentials',
    'masking',
    'policy',
    'demo',
    'audit',
  ],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The value imports and re-exports of a file (not `import type` / `export type`). */
function valueImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms))
    out.push(m[2] as string);
  for (const m of text.matchAll(/\bimport\('([^']+)'\)/g)) out.push(m[1] as string);
  return out.filter((s) => s.startsWith('.'));
}

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return relative(resolve(SRC, '..'), file).split('/')[0] as string;
  return rel.split('/')[0] as string;
}

test('imports point down the layers, and steps do not import each other', () => {
  const wrong: string[] = [];
  const all = files(SRC);
  assert.ok(all.length > 10);
  for (const file of all) {
    const from = layerOf(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed, `src/${from} is not a known layer: add it to ALLOWED`);
    for (const spec of valueImports(readFileSync(file, 'utf8'))) {
      const to = layerOf(resolve(dirname(file), spec));
      if (!allowed.includes(to)) wrong.push(`${relative(SRC, file)} → ${spec} (${from} → ${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the layer check sees a wrong arrow', () => {
  assert.deepEqual(
    valueImports("import { x } from '../gateway/server.ts';\nimport type { Y } from '../a.ts';"),
    ['../gateway/server.ts'],
  );
});

// scripts/bundle.mjs: esbuild keeps only the zod exports a namespace import's `z.…` reaches; a
// named import of zod's own `z` object keeps all of zod (288 KB against 143 KB in the chunk that
// `custos serve` compiles at start, docs/architecture.md).
const ZOD_WHOLE = /^import\s+\{[^}]*\bz\b[^}]*\}\s+from\s+'zod(?:\/[^']*)?';/m;

test('zod is imported as a namespace, so the bundle keeps only what the schemas use', () => {
  const whole = files(SRC).filter((f) => ZOD_WHOLE.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    whole.map((f) => relative(SRC, f)),
    [],
  );
  assert.ok(ZOD_WHOLE.test("import { z } from 'zod';"));
  assert.ok(!ZOD_WHOLE.test("import * as z from 'zod';\nimport type { z as Z } from 'zod';"));
});

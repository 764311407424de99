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

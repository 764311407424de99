import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { inlineExports } from '../../scripts/inline-exports.mjs';
import * as fromSource from '../../src/masking/detectors/word-tries.ts';

// The bundle gets the detectors' word tries built at build time (scripts/bundle.mjs): the module
// evaluated there must export what it exports when run from source, every value carried exactly.

const ROOT = resolve(import.meta.dirname, '../..');
const FILE = join(ROOT, 'src/masking/detectors/word-tries.ts');

const importText = (text: string): Promise<Record<string, unknown>> =>
  import(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`);

test('the tries built at build time are the ones built from source', async () => {
  const inlined = await inlineExports(FILE);
  assert.match(inlined, /^export const LOWER_GIVEN_NAMES = "\(\?:/m);
  assert.doesNotMatch(inlined, /\bimport\b/);
  const built = await importText(inlined);
  assert.deepEqual({ ...built }, { ...fromSource });
  assert.ok(Object.keys(fromSource).length >= 8);
  for (const value of Object.values(fromSource)) assert.equal(typeof value, 'string');
});

test('the bundle builds no trie when it starts', () => {
  const dir = join(ROOT, 'dist/bundle');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  assert.ok(files.length > 0, 'dist/bundle/ is missing: run `npm run build`');
  let withTries = 0;
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (text.includes('LOWER_GIVEN_NAMES=')) withTries++;
    assert.doesNotMatch(text, /function trieSource\b/, f);
  }
  assert.ok(withTries > 0, 'no chunk holds the built tries');
});

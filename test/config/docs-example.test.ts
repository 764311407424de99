import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/index.ts';

// docs/config.md shows every option; the example must stay a valid configuration.
test('the example in docs/config.md is a valid configuration', () => {
  const doc = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(yaml, 'docs/config.md has a yaml block');
  const config = parseConfig(parse(yaml), 'docs/config.md');
  assert.equal(config.auth.mode, 'tokens');
  assert.deepEqual(Object.keys(config.servers), ['crm', 'everything']);
  assert.equal(config.servers.crm?.masking?.profile, 'default');
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningDemo, startDemo } from '../helpers/demo.ts';

// What `npx custos` runs after `npm ci`: bin/custos.js and the bundle the `prepare` build writes
// to dist/bundle (scripts/bundle.mjs), not the TypeScript sources the other CLI tests run. The
// bundle must find its lazily loaded chunks, the native SQLite addon and the demo's stdio server.

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/custos.js');

let demo: RunningDemo;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/bundle/main.js')), 'dist/bundle/ is missing: run `npm run build`');
  demo = await startDemo([BIN, 'demo', '--port', '0', '--dir', mkdtempSync(join(tmpdir(), 'custos-bin-'))]);
});

after(() => demo?.stop());

test('bin/custos.js prints its usage from the bundle', () => {
  const r = spawnSync(process.execPath, [BIN, 'help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: custos <command>/);
});

for (const route of ['crm', 'crm-stdio']) {
  test(`the bundled demo serves ${route} to an SDK client`, async () => {
    const client = new Client({ name: 'bin-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(demo.routes.get(route) as string), {
        requestInit: { headers: { Authorization: `Bearer ${demo.tokens.get('alice')}` } },
      }),
    );
    try {
      const r = await client.callTool({ name: 'get_customer', arguments: { id: 'cus_0001' } });
      assert.ok(!r.isError, JSON.stringify(r));
      // The masking detectors and the audit writer run from the bundle too.
      assert.match(JSON.stringify(r), /\*\*\*@example\./);
    } finally {
      await client.close();
    }
  });
}

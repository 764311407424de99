import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startBenchUpstream } from '../../bench/upstream.ts';
import { CLI, runCli, serveCli, tempFile } from '../helpers/cli.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { openSession, post } from '../helpers/raw.ts';

let up: RunningServer;

before(async () => {
  up = await startLegacyServer();
});

after(async () => {
  await up.close();
});

test('a config error names the file, the path and what was expected', async () => {
  const file = tempFile(
    'custos.yaml',
    `auth: { mode: none }
listen: { port: 70000 }
servers:
  crm:
    http: { url: 'not a url' }
    colour: blue
  Bad Name:
    stdio: { command: x }
`,
  );
  const r = await runCli(['serve', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /custos\.yaml: listen\.port: /);
  assert.match(r.stderr, /custos\.yaml: servers\.crm\.http\.url: an http:\/\/ or https:\/\/ URL/);
  assert.match(r.stderr, /custos\.yaml: servers\.crm: unknown key 'colour'/);
  assert.match(r.stderr, /custos\.yaml: servers\.Bad Name: /);
});

test('running without authentication must be said explicitly', async () => {
  const file = tempFile('custos.yaml', `servers:\n  crm:\n    http: { url: 'http://127.0.0.1:1/mcp' }\n`);
  const r = await runCli(['serve', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /custos\.yaml: auth: /);
});

test('YAML syntax errors, missing files and unknown commands are reported, not thrown', async () => {
  const bad = tempFile('custos.yaml', 'servers: [unclosed\n');
  const r = await runCli(['serve', '--config', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /custos\.yaml: /);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const missing = await runCli(['serve', '--config', '/nonexistent/custos.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read: ENOENT/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('serve warns when open, and SIGTERM drains in-flight requests and closes streams', async () => {
  const file = tempFile(
    'custos.yaml',
    `listen: { host: 127.0.0.1, port: 0 }
auth: { mode: none }
store: { sqlite: { path: ./custos.db } }
limits: { drainSeconds: 10 }
servers:
  t:
    http: { url: '${up.url}' }
`,
  );
  const gw = await serveCli(file);
  assert.match(gw.stderr(), /callers are NOT authenticated/);
  const url = gw.routes.get('t') as string;
  const sid = await openSession(url);
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  // A GET stream that the drain must end cleanly.
  const stream = await request(url, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' } });
  assert.equal(stream.statusCode, 200);
  const streamEnded = stream.body.text();
  const slow = post(
    url,
    { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'slow', arguments: { ms: 1500 } } },
    headers,
  );
  await new Promise((r) => setTimeout(r, 300));
  gw.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
  // New work is refused while draining (or the listening socket is already closed).
  const late = await post(url, { jsonrpc: '2.0', id: 6, method: 'ping' }, headers).catch((e: Error) => e);
  if (!(late instanceof Error)) assert.equal(late.status, 503);
  const r = await slow;
  assert.equal(r.status, 200);
  assert.match(r.text, /done after 1500 ms/);
  await streamEnded;
  assert.equal(await gw.exited, 0);
});

test('the gateway runs without allocation-site pretenuring: no pretenuring decision under load', async () => {
  // src/core/v8-tuning.ts: requests in flight must not make V8 allocate later requests in the old
  // generation. With V8's default, these 4,000 calls bring a few dozen sites to "tenure".
  const bench = await startBenchUpstream({ host: '127.0.0.1', port: 0, sse: false });
  const file = tempFile(
    'custos.yaml',
    `listen: { host: 127.0.0.1, port: 0 }
auth: { mode: none }
store: { sqlite: { path: ':memory:' } }
servers:
  bench:
    http: { url: '${bench.url}' }
`,
  );
  // V8 prints its trace through C stdio, which loses it on a pipe that Node made non-blocking:
  // the output goes to a file.
  const outFile = join(dirname(file), 'stdout.txt');
  const out = openSync(outFile, 'w');
  const child = spawn(
    process.execPath,
    [
      '--trace-pretenuring',
      '--trace-pretenuring-statistics',
      '--import',
      'tsx',
      CLI,
      'serve',
      '--config',
      file,
    ],
    {
      stdio: ['ignore', out, 'ignore'],
    },
  );
  closeSync(out);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let calls = 0;
  try {
    let url: string | undefined;
    for (let i = 0; i < 200 && url === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      url = /custos route bench (\S+)\n/.exec(readFileSync(outFile, 'utf8'))?.[1];
    }
    assert.ok(url, 'custos serve printed its route');
    const route = url;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        const sid = await openSession(route);
        const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
        for (let i = 0; i < 250; i++) {
          const call = { name: 'echo', arguments: { message: 'hi' } };
          const r = await post(route, { jsonrpc: '2.0', id: i, method: 'tools/call', params: call }, headers);
          assert.equal(r.status, 200);
          calls++;
        }
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await bench.close();
  }
  assert.equal(await exited, 0);
  assert.equal(calls, 4000);
  // A decision to allocate a site's objects old reads "… => tenure"; while the gateway starts,
  // before the flag is set, V8 may weigh a site ("undecided => maybe tenure"), no more.
  assert.doesNotMatch(readFileSync(outFile, 'utf8'), /=> tenure$/m);
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { runCli } from '../helpers/cli.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';

// The audit and GDPR commands through the real entry point, on a trail a running gateway wrote:
// verify, search (JSON, CSV, by data subject), replay (masked; raw only for a raw viewer with a
// reason, and audited), DSAR export and verify, erasure, retention, the Article 30 record.

let up: RunningServer;
let gw: Gateway;
let dir: string;
let config: string;
let sessionId = '';

const JANE = 'jane.roe@example.com';
const JOHN = 'john.poe@example.org';

before(async () => {
  up = await startLegacyServer({ json: true });
  dir = mkdtempSync(join(tmpdir(), 'custos-audit-cli-'));
  config = join(dir, 'custos.yaml');
  writeFileSync(
    config,
    `listen: { host: 127.0.0.1, port: 0 }
auth: { mode: tokens, resource: http://custos.test, gatewayTokens: { keyFile: ./key.json } }
store: { sqlite: { path: ./custos.db } }
audit:
  origin: custos.test/audit
  controller: { name: Example Retail GmbH, dpo: dpo@example.com }
servers:
  crm:
    http: { url: '${up.url}' }
    masking: {}
    audit:
      retainRaw: true
      retention: { masked: 30d, raw: 7d }
      purposes: [Customer support]
      legalBasis: Art. 6(1)(b) contract
      dataSubjects: [Customers]
      recipients: [Support staff]
`,
  );
  const issue = async (subject: string, group: string): Promise<string> => {
    const r = await runCli([
      'token',
      'issue',
      '--config',
      config,
      '--subject',
      subject,
      '--group',
      group,
      '--ttl',
      '1h',
    ]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  const alice = await issue('alice', 'support');
  process.env.DPO_TOKEN = await issue('dora', 'dpo');
  process.env.ALICE_TOKEN = alice;
  gw = await startGateway(loadConfigFile(config));
  const client = new Client({ name: 'cli-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(gw.routes.get('crm') as string), {
    requestInit: { headers: { authorization: `Bearer ${alice}` } },
  });
  await client.connect(transport);
  sessionId = transport.sessionId as string;
  await client.callTool({ name: 'echo', arguments: { message: `about ${JANE}` } });
  await client.callTool({ name: 'echo', arguments: { message: `about ${JOHN}` } });
  await client.callTool({ name: 'echo', arguments: { message: 'nobody' } });
  await client.close();
});

after(async () => {
  await gw.close();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, '--config', config], { timeoutMs: 30_000 });

test('audit verify: the trail a running gateway writes verifies', async () => {
  const r = await cli('audit', 'verify');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: \d+ events from #0 verified/);
  const json = await cli('audit', 'verify', '--json');
  const report = JSON.parse(json.stdout) as { ok: boolean; events: number };
  assert.equal(report.ok, true);
  assert.ok(report.events >= 5);
});

test('audit search: by user, tool and data subject; JSON pages and CSV', async () => {
  const all = JSON.parse(
    (await cli('audit', 'search', '--user', 'custos:alice', '--tool', 'echo')).stdout,
  ) as {
    events: { event: { name: string } }[];
    next?: number;
  };
  assert.equal(all.events.length, 3);
  const bySubject = JSON.parse((await cli('audit', 'search', '--subject', JANE)).stdout) as {
    events: { seq: number }[];
  };
  assert.equal(bySubject.events.length, 1);
  const paged = JSON.parse((await cli('audit', 'search', '--tool', 'echo', '--limit', '2')).stdout) as {
    events: unknown[];
    next: number;
  };
  assert.equal(paged.events.length, 2);
  const rest = JSON.parse(
    (await cli('audit', 'search', '--tool', 'echo', '--after', String(paged.next))).stdout,
  ) as { events: unknown[] };
  assert.equal(rest.events.length, 1);
  const csv = await cli('audit', 'search', '--tool', 'echo', '--format', 'csv');
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'seq,at,kind,caller,server,method,name,outcome,sessionId,id');
  assert.equal(lines.length, 4);
  assert.doesNotMatch(csv.stdout, /jane\.roe/);
  const bad = await cli('audit', 'search', '--since', 'yesterday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a time/);
});

test('replay: a session message by message, masked; raw only for a raw viewer, with a reason, audited', async () => {
  const r = await cli('replay', sessionId);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /initialize/);
  assert.match(r.stdout, /→ \{.*"method":"tools\/call"/);
  assert.doesNotMatch(r.stdout, /jane\.roe@example\.com/);
  assert.match(r.stdout, /\*\*\*@example\.com/);

  const noReason = await cli('replay', sessionId, '--raw', '--token', process.env.DPO_TOKEN as string);
  assert.equal(noReason.code, 2);
  const notAViewer = await cli(
    'replay',
    sessionId,
    '--raw',
    '--reason',
    'curious',
    '--token',
    process.env.ALICE_TOKEN as string,
  );
  assert.equal(notAViewer.code, 1);
  assert.match(notAViewer.stderr, /not in a raw-viewer group/);
  const raw = await cli(
    'replay',
    sessionId,
    '--raw',
    '--reason',
    'ticket DPO-7',
    '--token',
    process.env.DPO_TOKEN as string,
  );
  assert.equal(raw.code, 0, raw.stderr);
  assert.match(raw.stdout, /jane\.roe@example\.com/);
  const access = JSON.parse((await cli('audit', 'search', '--kind', 'access')).stdout) as {
    events: { caller: string; event: { reason: string; action: string } }[];
  };
  assert.equal(access.events.length, 1, 'one raw view, recorded; the refused attempts opened nothing');
  assert.equal(access.events[0]?.caller, 'custos:dora');
  assert.equal(access.events[0]?.event.reason, 'ticket DPO-7');
});

test('dsar export writes a verifiable bundle and a report; a tampered bundle fails', async () => {
  const out = join(dir, 'dsar-jane');
  const r = await cli('dsar', 'export', '--subject', JANE, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { exchanges: number }).exchanges, 1);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /Access report/);
  assert.match(html, /echo/);
  const key = (await cli('audit', 'checkpoint')).stderr.match(/verifier key: (\S+)/)?.[1] as string;
  assert.ok(key);
  const ok = await runCli(['dsar', 'verify', join(out, 'dsar.json'), '--key', key]);
  assert.equal(ok.code, 0, ok.stdout);
  const bundle = JSON.parse(readFileSync(join(out, 'dsar.json'), 'utf8')) as {
    exchanges: { event: string }[];
  };
  (bundle.exchanges[0] as { event: string }).event = bundle.exchanges[0]?.event.replace(
    '"outcome":"ok"',
    '"outcome":"error"',
  ) as string;
  writeFileSync(join(out, 'tampered.json'), JSON.stringify(bundle));
  const bad = await runCli(['dsar', 'verify', join(out, 'tampered.json'), '--key', key]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /FAILED/);
});

test('report art30: declared purposes beside observed categories and recipients', async () => {
  const md = await cli('report', 'art30');
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /Example Retail GmbH/);
  assert.match(md.stdout, /Purposes \(b\): Customer support/);
  assert.match(md.stdout, /Contact details: e-mail addresses: in \d+ exchanges/);
  assert.match(md.stdout, /group support: 1 callers/);
  assert.match(md.stdout, /masked recordings 30 days; raw copies 7 days/);
  const html = await cli('report', 'art30', '--format', 'html');
  assert.match(html.stdout, /^<!doctype html>/);
});

test('dsar erase: the subject is gone from the index and its raw copies unreadable; the trail still verifies', async () => {
  const wrappedKeys = (): Buffer[] => {
    const db = new Database(join(dir, 'custos.db'), { readonly: true });
    try {
      return db.prepare('SELECT wrapped FROM subject_keys').pluck().all() as Buffer[];
    } finally {
      db.close();
    }
  };
  const before = wrappedKeys();
  const refused = await cli('dsar', 'erase', '--subject', JANE, '--reason', 'request 42');
  assert.equal(refused.code, 2, 'needs --yes');
  const r = await cli('dsar', 'erase', '--subject', JANE, '--reason', 'request 42', '--yes');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { exchanges: number; keysDestroyed: number };
  assert.equal(result.exchanges, 1);
  assert.equal(result.keysDestroyed, 1);
  const after = JSON.parse((await cli('audit', 'search', '--subject', JANE)).stdout) as { events: unknown[] };
  assert.equal(after.events.length, 0);
  const john = JSON.parse((await cli('audit', 'search', '--subject', JOHN)).stdout) as { events: unknown[] };
  assert.equal(john.events.length, 1, 'another subject is untouched');
  const v = await cli('audit', 'verify');
  assert.equal(v.code, 0, v.stdout);
  const raw = await cli(
    'replay',
    sessionId,
    '--raw',
    '--reason',
    'after erasure',
    '--token',
    process.env.DPO_TOKEN as string,
    '--json',
  );
  assert.match(raw.stdout, /"reason":"erased"/);
  assert.doesNotMatch(raw.stdout, /jane\.roe/);
  // The destroyed key is gone from the files, not only from the table (secure_delete, WAL truncated).
  const left = wrappedKeys();
  const gone = before.filter((k) => !left.some((l) => l.equals(k)));
  assert.equal(gone.length, 1);
  for (const file of ['custos.db', 'custos.db-wal']) {
    const path = join(dir, file);
    if (existsSync(path))
      assert.equal(readFileSync(path).includes(gone[0] as Buffer), false, `${file} still holds the key`);
  }
});

test('audit retention applies the declared periods (nothing due yet) and usage errors exit 2', async () => {
  const r = await cli('audit', 'retention');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { deleted: {}, total: 0 });
  assert.equal((await runCli(['audit', 'bogus'])).code, 2);
  assert.equal((await runCli(['audit', 'verify'])).code, 2);
});

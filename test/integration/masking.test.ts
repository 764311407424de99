import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Customer } from '../../demo/crm/data.ts';
import { startCrmHttp } from '../../demo/crm/server.ts';
import { subjectKeysFor } from '../../src/audit/subjects.ts';
import { type EventView, searchTrail } from '../../src/audit/trail.ts';
import { parseConfig } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';

// Personal data masked inline through the gateway: every content path, both eras, SSE and JSON
// answers, HTTP and stdio upstreams; an exempt group sees raw values and is recorded as such.

const CRM_STDIO = new URL('../../demo/crm/stdio.ts', import.meta.url).pathname;
let idp: TestIssuer;
let crm: Awaited<ReturnType<typeof startCrmHttp>>;
let legacy: RunningServer;
let legacyJson: RunningServer;
let gw: Gateway;
let customer: Customer;

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  crm = await startCrmHttp();
  legacy = await startLegacyServer();
  legacyJson = await startLegacyServer({ json: true });
  customer = crm.server.store.list(1)[0] as Customer;
  const dir = mkdtempSync(join(tmpdir(), 'custos-masking-'));
  gw = await startGateway(
    parseConfig(
      {
        listen: { host: '127.0.0.1', port: 0 },
        auth: {
          mode: 'tokens',
          resource: 'http://custos.test',
          issuers: [{ name: 'corp', issuer: idp.issuer, algorithms: ['RS256'] }],
          gatewayTokens: { keyFile: join(dir, 'key.json') },
        },
        store: { sqlite: { path: ':memory:' } },
        masking: { exemptGroups: ['dpo'] },
        servers: {
          crm: { http: { url: crm.url }, masking: { profile: 'default' } },
          'crm-stdio': {
            stdio: { command: process.execPath, args: ['--import', 'tsx', CRM_STDIO] },
            masking: {},
          },
          legacy: { http: { url: legacy.url }, masking: {} },
          'legacy-json': { http: { url: legacyJson.url }, masking: {} },
        },
      },
      'test',
    ),
  );
});

after(async () => {
  await gw.close();
  await crm.close();
  await legacy.close();
  await legacyJson.close();
  await idp.close();
});

const token = (groups: string[]) =>
  idp.sign({ sub: `u-${groups.join('-') || 'none'}`, aud: 'http://custos.test', groups, scope: 'crm' });

/** The customer's personal values that must never reach a masked caller. */
function raw(c: Customer): string[] {
  return [c.email, c.iban, c.phone, c.nationalId.value, c.lastName];
}

function leaks(text: string, c: Customer): string[] {
  return raw(c).filter((v) => text.includes(v) || text.includes(v.replace(/\s/g, '')));
}

async function legacyClient(route: string, groups: string[]): Promise<Client> {
  const client = new Client({ name: 'masking-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gw.routes.get(route) as string), {
      requestInit: { headers: { authorization: `Bearer ${await token(groups)}` } },
    }),
  );
  return client;
}

for (const route of ['crm', 'crm-stdio']) {
  test(`${route}: tool results, structured content, resources and prompts arrive masked`, async () => {
    const client = await legacyClient(route, ['support']);
    try {
      const r = await client.callTool({ name: 'get_customer', arguments: { id: customer.id } });
      assert.ok(!r.isError, JSON.stringify(r));
      const text = JSON.stringify(r);
      assert.deepEqual(leaks(text, customer), [], `no personal value in the tool result: ${text}`);
      assert.match(text, /\[EMAIL\]|\*\*\*@/, 'the e-mail was masked, not dropped');
      const res = await client.readResource({ uri: `crm://customers/${customer.id}` });
      assert.deepEqual(leaks(JSON.stringify(res), customer), []);
      const prompt = await client.getPrompt({ name: 'summarize_customer', arguments: { id: customer.id } });
      assert.deepEqual(leaks(JSON.stringify(prompt), customer), []);
    } finally {
      await client.close();
    }
    const rows = gw.ctx.store.listExchanges({ server: route, method: 'tools/call' });
    const row = rows.find((x) => x.name === 'get_customer');
    assert.equal(row?.masking, 'masked');
    const counts = JSON.parse(row?.findings ?? '{}') as Record<string, number>;
    assert.ok((counts.EMAIL ?? 0) >= 1 && (counts.IBAN ?? 0) >= 1, row?.findings ?? '');
  });
}

test('an exempt group (dpo) sees raw values, and the exchange says so', async () => {
  const client = await legacyClient('crm', ['dpo']);
  try {
    const r = await client.callTool({ name: 'get_customer', arguments: { id: customer.id } });
    assert.ok(JSON.stringify(r).includes(customer.email));
  } finally {
    await client.close();
  }
  const row = gw.ctx.store
    .listExchanges({ server: 'crm', method: 'tools/call' })
    .filter((x) => x.caller === 'corp:u-dpo')
    .at(-1);
  assert.equal(row?.masking, 'exempt');
});

test('the 2026-07-28 era is masked too', async () => {
  const client = new ModernClient(
    { name: 'masking-test', version: '1' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(
    new ModernTransport(new URL(gw.routes.get('crm') as string), {
      requestInit: { headers: { authorization: `Bearer ${await token(['support'])}` } },
    }),
  );
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const r = await client.callTool({ name: 'get_customer', arguments: { id: customer.id } });
    assert.deepEqual(leaks(JSON.stringify(r), customer), []);
  } finally {
    await client.close();
  }
});

test('log notifications and tool text on an SSE answer are masked event by event', async () => {
  const client = await legacyClient('legacy', ['support']);
  const logs: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(JSON.stringify(n.params.data));
  });
  try {
    const email = 'erika.mustermann@example.org';
    const iban = 'DE89370400440532013000';
    const r = await client.callTool({ name: 'log', arguments: { text: `contact ${email}, IBAN ${iban}` } });
    assert.ok(!r.isError);
    const echo = await client.callTool({ name: 'echo', arguments: { message: `mail ${email}` } });
    assert.ok(!JSON.stringify(echo).includes(email));
    assert.equal(logs.length, 1);
    assert.ok(!logs[0]?.includes(email) && !logs[0]?.includes(iban), logs[0]);
  } finally {
    await client.close();
  }
});

test('masked JSON answers: an error is recorded with its code, initialize keeps its version', async () => {
  const client = await legacyClient('legacy-json', ['support']);
  try {
    await assert.rejects(client.readResource({ uri: 'test://nowhere/1' }));
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'mail erika@example.org' } });
    assert.ok(!JSON.stringify(echo).includes('erika@example.org'));
  } finally {
    await client.close();
  }
  const mine = (method: string) =>
    gw.ctx.store
      .listExchanges({ server: 'legacy-json', method })
      .filter((x) => x.caller === 'corp:u-support')
      .at(-1);
  assert.equal(mine('resources/read')?.outcome, 'error');
  assert.match(mine('resources/read')?.errorCode ?? '', /^-32\d{3}$/);
  assert.match(mine('initialize')?.protocolVersion ?? '', /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(mine('tools/call')?.masking, 'masked');
});

test('what masking found in an answer reaches the blind index: every customer of a large export is found by subject', async () => {
  // 200 customers, several identifiers each: the mask step hands their keyed hashes to the audit
  // trail joined in runs of 1,024, so the first customer and the last fall into different runs.
  const client = await legacyClient('crm', ['support']);
  let text: string;
  try {
    const r = await client.callTool({ name: 'export_customers', arguments: { format: 'json' } });
    assert.ok(!r.isError);
    text = JSON.stringify(r);
  } finally {
    await client.close();
  }
  const all = crm.server.store.list();
  const first = all[0] as Customer;
  const last = all.at(-1) as Customer;
  assert.deepEqual([...leaks(text, first), ...leaks(text, last)], []);
  const profile = gw.ctx.masking?.compiled.profiles.get('default');
  assert.ok(profile);
  const exports = searchTrail(gw.ctx.store.audit, { name: 'export_customers', limit: 10 }).events;
  assert.equal(exports.length, 1);
  const event = exports[0] as EventView;
  const { subjects } = event.event.recording as { subjects: number };
  assert.ok(subjects > 1024, `subjects: ${subjects}`);
  for (const c of [first, last]) {
    const { keys } = subjectKeysFor(c.email, profile);
    const hits = searchTrail(gw.ctx.store.audit, { subjects: keys, limit: 100 }).events;
    // Earlier tests read the first customer too: the export must be among what touched them.
    assert.ok(
      hits.some((h) => h.id === event.id),
      `${c.id}: the export carried this address, and the blind index says so`,
    );
  }
});

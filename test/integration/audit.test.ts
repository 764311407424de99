import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { decodeRecording, timelineOf } from '../../src/audit/recording.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { openSession, post } from '../helpers/raw.ts';

// The audit trail on the data path, with a SQLite file (the writer on its own thread), a real
// identity provider and the official SDK client: each answer is released only once its event is
// durable, the event says who did what, the recording is masked, and when the store cannot write,
// nothing is served unrecorded.

let idp: TestIssuer;
let up: RunningServer;
let gw: Gateway;
let dir: string;
let url: string;
let dbPath: string;

before(async () => {
  idp = await startTestIssuer({ algorithms: ['RS256'] });
  up = await startLegacyServer({ json: true });
  dir = mkdtempSync(join(tmpdir(), 'custos-audit-it-'));
  dbPath = join(dir, 'custos.db');
  writeFileSync(
    join(dir, 'custos.yaml'),
    `listen: { host: 127.0.0.1, port: 0 }
auth:
  mode: tokens
  resource: http://custos.test
  issuers: [{ name: corp, issuer: '${idp.issuer}', algorithms: [RS256] }]
  gatewayTokens: { keyFile: ./key.json }
store: { sqlite: { path: ./custos.db } }
audit: { checkpoints: { every: 10 } }
servers:
  t: { http: { url: '${up.url}' }, masking: {}, audit: { retainRaw: true } }
`,
  );
  gw = await startGateway(loadConfigFile(join(dir, 'custos.yaml')));
  url = gw.routes.get('t') as string;
});

after(async () => {
  await gw.close();
  await up.close();
  await idp.close();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = async (sub: string, groups: string[]) =>
  `Bearer ${await idp.sign({ sub, aud: 'http://custos.test', groups })}`;

async function connect(sub: string, groups: string[]): Promise<Client> {
  const client = new Client({ name: 'audit-test', version: '2.1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: await bearer(sub, groups) } },
    }),
  );
  return client;
}

/** What another process sees in the file right now (not through the gateway's connection). */
function eventsNow(where = "kind = 'exchange'"): { seq: number; body: string; id: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT seq, body, id FROM audit_events WHERE ${where} ORDER BY seq`).all() as {
      seq: number;
      body: string;
      id: string;
    }[];
  } finally {
    db.close();
  }
}

test('every answer is released only after its event is on disk', async () => {
  const client = await connect('u-ann', ['support']);
  try {
    for (let i = 0; i < 15; i++) {
      const message = `ping ${i}`;
      const r = await client.callTool({ name: 'echo', arguments: { message } });
      assert.deepEqual(r.content, [{ type: 'text', text: message }]);
      // No waiting: the moment the client has the answer, the event is committed.
      const found = eventsNow("name = 'echo'").filter((e) => {
        const b = JSON.parse(e.body) as { caller: string };
        return b.caller === 'corp:u-ann';
      });
      assert.equal(found.length, i + 1, `call ${i}: its event is durable before the answer arrived`);
    }
  } finally {
    await client.close();
  }
});

test('the event says who did what, when, under which rule; the recording is masked, the raw copy sealed', async () => {
  const client = await connect('u-bea', ['support']);
  try {
    await client.callTool({ name: 'echo', arguments: { message: 'write to jane.roe@example.com please' } });
  } finally {
    await client.close();
  }
  const [e] = eventsNow("name = 'echo' AND caller = 'corp:u-bea'");
  assert.ok(e);
  const body = JSON.parse(e.body) as Record<string, unknown> & {
    identity: { subject: string; groups: string[]; method: string };
    client: { name: string; version: string };
    recording: {
      masked: { sha256: string };
      raw: { sha256: string };
      subjects: number;
      types: Record<string, number>;
    };
    findings: Record<string, number>;
  };
  assert.equal(body.identity.subject, 'corp:u-bea');
  assert.deepEqual(body.identity.groups, ['support']);
  assert.equal(body.identity.method, 'oidc');
  assert.deepEqual(
    { name: body.client.name, version: body.client.version },
    { name: 'audit-test', version: '2.1' },
  );
  assert.equal(body.server, 't');
  assert.equal(body.method, 'tools/call');
  assert.equal(body.outcome, 'ok');
  assert.equal(body.masking, 'masked');
  assert.equal(body.findings.EMAIL, 1, 'the answer echoed the address: masked for the client');
  assert.equal(body.recording.types.EMAIL, 2, 'request and answer');
  assert.equal(body.recording.subjects, 1);
  assert.ok(typeof body.forwardedAt === 'number' && typeof body.answeredAt === 'number');
  assert.doesNotMatch(e.body, /jane\.roe/);

  const db = new Database(dbPath, { readonly: true });
  try {
    const p = db.prepare('SELECT masked, raw FROM audit_payloads WHERE seq = ?').get(e.seq) as {
      masked: Buffer;
      raw: Buffer;
    };
    assert.doesNotMatch(p.masked.toString('utf8'), /jane\.roe@example\.com/);
    assert.equal(p.raw.includes(Buffer.from('jane.roe')), false);
    const timeline = timelineOf(decodeRecording(p.masked));
    assert.equal(timeline[0]?.direction, 'request');
    assert.equal(timeline[0]?.message?.method, 'tools/call');
    assert.match(JSON.stringify(timeline[0]?.message), /\*\*\*@example\.com/);
    assert.equal(timeline.at(-1)?.direction, 'response');
  } finally {
    db.close();
  }
});

test('an SSE answer is recorded event by event, progress included, with the time each left', async () => {
  const sse = await startLegacyServer();
  const g = await startGateway(
    loadConfigFile(
      (() => {
        const d = mkdtempSync(join(tmpdir(), 'custos-audit-sse-'));
        writeFileSync(
          join(d, 'c.yaml'),
          `listen: { host: 127.0.0.1, port: 0 }\nauth: { mode: none }\nstore: { sqlite: { path: ./c.db } }\nservers: { s: { http: { url: '${sse.url}' } } }\n`,
        );
        return join(d, 'c.yaml');
      })(),
    ),
  );
  try {
    const client = new Client({ name: 'sse-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(g.routes.get('s') as string)));
    const progress: number[] = [];
    await client.callTool({ name: 'slow', arguments: { ms: 150, steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    await client.close();
    assert.deepEqual(progress, [1, 2, 3]);
    const [row] = g.ctx.store.audit.search({ name: 'slow', limit: 1 });
    assert.ok(row);
    const rec = decodeRecording(g.ctx.store.audit.payload(row.seq)?.masked as Buffer);
    assert.match(rec.response.contentType ?? '', /text\/event-stream/);
    const out = timelineOf(rec).filter((t) => t.direction === 'response');
    assert.deepEqual(
      out.map((t) => t.message?.method ?? 'result'),
      ['notifications/progress', 'notifications/progress', 'notifications/progress', 'result'],
    );
    for (let i = 1; i < out.length; i++) assert.ok((out[i]?.t ?? 0) >= (out[i - 1]?.t ?? 0));
    assert.ok((out.at(-1)?.t ?? 0) >= 100_000, 'the answer left after the tool ran (µs)');
  } finally {
    await g.close();
    await sse.close();
  }
});

test('refused requests are recorded too: an unauthenticated call and a wrong session', async () => {
  const res = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, {});
  assert.equal(res.status, 401);
  const headers = { authorization: await bearer('u-cy', ['support']) };
  await openSession(url, '2025-11-25', headers);
  const wrong = await post(
    url,
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { ...headers, 'mcp-session-id': 'not-a-session', 'mcp-protocol-version': '2025-11-25' },
  );
  assert.equal(wrong.status, 404);
  const rows = eventsNow().map(
    (e) => JSON.parse(e.body) as { httpStatus: number; errorCode: string; caller: string },
  );
  assert.ok(
    rows.some(
      (b) =>
        b.httpStatus === 401 && b.errorCode === 'CUSTOS_UNAUTHENTICATED' && b.caller === 'unauthenticated',
    ),
  );
  assert.ok(
    rows.some(
      (b) => b.httpStatus === 404 && b.errorCode === 'CUSTOS_SESSION_NOT_FOUND' && b.caller === 'corp:u-cy',
    ),
  );
});

test('checkpoints are signed every N events and the whole trail verifies', async () => {
  const { verifyTrail } = await import('../../src/audit/verify.ts');
  const { ed25519Verifier } = await import('../../src/audit/signed-note.ts');
  const { loadOrCreateAuditKey } = await import('../../src/audit/keys.ts');
  const key = await loadOrCreateAuditKey(join(dir, 'custos-audit-signing.jwk'), 'custos.test/custos/audit');
  const sql = gw.ctx.store.audit;
  assert.ok(sql.checkpoints().length >= 1);
  const report = verifyTrail(sql, {
    verifiers: [ed25519Verifier('custos.test/custos/audit', key.publicKey)],
  });
  assert.equal(report.ok, true, JSON.stringify(report.problem));
});

/** chattr +i makes writes to an open file fail (EPERM) — as a failing disk would — even for root. */
function immutable(on: boolean): boolean {
  try {
    for (const f of [dbPath, `${dbPath}-wal`])
      if (existsSync(f)) execFileSync('chattr', [on ? '+i' : '-i', f]);
    return true;
  } catch {
    return false;
  }
}

test('when the store cannot write, answers are withheld and new calls refused; none reaches the upstream unrecorded', async (t) => {
  const client = await connect('u-dan', ['support']);
  try {
    await client.callTool({ name: 'echo', arguments: { message: 'before' } });
    if (!immutable(true)) {
      t.skip('chattr +i is not available on this filesystem: the store cannot be made unwritable here');
      return;
    }
    try {
      // The first call reaches the upstream, but its event cannot be committed: the answer is withheld.
      await assert.rejects(
        client.callTool({ name: 'echo', arguments: { message: 'during 1' } }),
        /503|unavailable|audit/i,
      );
      const posts = () => (up.seen ?? []).filter((h) => String(h.accept).includes('application/json')).length;
      const seen = posts();
      // From then on the gateway refuses before forwarding.
      for (let i = 0; i < 3; i++) {
        const res = await post(
          url,
          { jsonrpc: '2.0', id: 5, method: 'tools/list' },
          { authorization: await bearer('u-dan', ['support']) },
        );
        assert.equal(res.status, 503);
        assert.match(res.text, /CUSTOS_AUDIT_UNAVAILABLE/);
        assert.equal(res.headers['retry-after'], '5');
      }
      assert.equal(posts(), seen, 'nothing reached the upstream while the store could not write');
    } finally {
      immutable(false);
    }
    // The store recovers: the probe succeeds within a couple of seconds and calls go through again.
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ok = gw.ctx.audit.healthy;
    }
    assert.ok(ok, 'healthy again after the store became writable');
    const r = await client.callTool({ name: 'echo', arguments: { message: 'after' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'after' }]);
    const messages = eventsNow("name = 'echo' AND caller = 'corp:u-dan'").map(
      (e) => (JSON.parse(e.body) as { outcome: string }).outcome,
    );
    assert.deepEqual(messages, ['ok', 'ok'], "'during 1' was never acknowledged and is not in the trail");
  } finally {
    await client.close();
  }
});

test('the admin API: auditors search (a subject only through a POST body) and replay; raw views for raw viewers, recorded', async () => {
  const base = gw.url;
  const call = async (method: string, path: string, sub: string, groups: string[], body?: unknown) => {
    const r = await request(`${base}/admin/v1${path}`, {
      method: method as 'GET',
      headers: {
        authorization: await bearer(sub, groups),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
  };
  const forbidden = await call('GET', '/audit/events?user=corp:u-ann', 'u-sam', ['support']);
  assert.equal(forbidden.status, 403);
  const page = await call('GET', '/audit/events?user=corp:u-ann&limit=5', 'u-aud', ['auditor']);
  assert.equal(page.status, 200);
  const events = page.json.events as { caller: string; seq: number }[];
  assert.equal(events.length, 5);
  assert.ok(events.every((e) => e.caller === 'corp:u-ann'));
  assert.equal(typeof page.json.next, 'number');
  const inUrl = await call('GET', '/audit/events?subject=jane.roe@example.com', 'u-aud', ['auditor']);
  assert.equal(inUrl.status, 400);
  const bySubject = await call('POST', '/audit/search', 'u-aud', ['auditor'], {
    subject: 'jane.roe@example.com',
  });
  assert.equal(bySubject.status, 200);
  const hits = bySubject.json.events as { caller: string; id: string }[];
  assert.deepEqual(
    hits.map((h) => h.caller),
    ['corp:u-bea'],
  );
  const replayed = await call('GET', `/audit/replay/${hits[0]?.id}`, 'u-aud', ['auditor']);
  assert.equal(replayed.status, 200);
  assert.doesNotMatch(JSON.stringify(replayed.json), /jane\.roe@example\.com/);
  const noReason = await call('POST', `/audit/replay/${hits[0]?.id}/raw`, 'u-dee', ['dpo'], {});
  assert.equal(noReason.status, 400);
  const notViewer = await call('POST', `/audit/replay/${hits[0]?.id}/raw`, 'u-aud', ['auditor'], {
    reason: 'x',
  });
  assert.equal(notViewer.status, 403);
  const raw = await call('POST', `/audit/replay/${hits[0]?.id}/raw`, 'u-dee', ['dpo'], {
    reason: 'ticket 9',
  });
  assert.equal(raw.status, 200);
  assert.match(JSON.stringify(raw.json), /jane\.roe@example\.com/);
  const access = eventsNow("kind = 'access'").map(
    (e) => JSON.parse(e.body) as { actor: string; reason: string; target: string },
  );
  assert.deepEqual(access, [{ ...access[0], actor: 'corp:u-dee', reason: 'ticket 9', target: hits[0]?.id }]);
  const cp = await call('GET', '/audit/checkpoint', 'u-aud', ['auditor']);
  assert.equal(cp.status, 200);
  assert.match(String(cp.json.verifierKey), /^custos\.test\/custos\/audit\+[0-9a-f]{8}\+/);
});

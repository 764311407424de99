import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { ed25519Verifier } from '../../src/audit/signed-note.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { createAuditSql } from '../../src/store/index.ts';
import { serveCli } from '../helpers/cli.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { openSession } from '../helpers/raw.ts';

// Crash safety (issue 7): `kill -9` the gateway under load at random moments, 20 times, on the
// same store. After each kill, every exchange a client got an answer for must be in the store, and
// the chain must verify. A client learns the exchange's id from the x-custos-request-id header of
// the answer it received, so "acknowledged" is exactly what the client saw.

const KILLS = Number(process.env.CUSTOS_CRASH_KILLS ?? 20);
const CLIENTS = 4;

let up: RunningServer;
let dir: string;
let config: string;

before(async () => {
  up = await startLegacyServer({ json: true });
  dir = mkdtempSync(join(tmpdir(), 'custos-crash-'));
  config = join(dir, 'custos.yaml');
  writeFileSync(
    config,
    `listen: { host: 127.0.0.1, port: 0 }
auth: { mode: none }
store: { sqlite: { path: ./custos.db } }
audit: { origin: crash.test/audit, checkpoints: { every: 50, interval: 1s } }
servers:
  t: { http: { url: '${up.url}' }, masking: {} }
`,
  );
});

after(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Calls echo back to back on its own session until stopped; `acked` gets the ids of answered calls. */
async function load(url: string, stop: { now: boolean }, acked: string[]): Promise<void> {
  let sid: string;
  try {
    sid = await openSession(url, '2025-11-25');
  } catch {
    return;
  }
  for (let i = 0; !stop.now && i < 100_000; i++) {
    try {
      const r = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: i,
          method: 'tools/call',
          params: { name: 'echo', arguments: { message: `call ${i} for jane.roe@example.com` } },
        }),
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      const text = await r.body.text();
      const id = r.headers['x-custos-request-id'];
      // Acknowledged: a complete, successful answer to this very call.
      if (
        r.statusCode === 200 &&
        typeof id === 'string' &&
        text.includes(`"id":${i}`) &&
        text.includes('"result"')
      )
        acked.push(id);
    } catch {
      return; // the gateway died
    }
  }
}

test(`kill -9 under load, ${KILLS} times: every acknowledged exchange is in the store and the chain verifies`, async () => {
  const all = new Set<string>();
  for (let round = 0; round < KILLS; round++) {
    const gw = await serveCli(config);
    const url = gw.routes.get('t') as string;
    const stop = { now: false };
    const acked: string[] = [];
    const loads = Array.from({ length: CLIENTS }, () => load(url, stop, acked));
    // Under load: once answers flow, the kill comes at a random moment 20–520 ms later.
    for (let i = 0; i < 200 && acked.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 500)));
    gw.child.kill('SIGKILL');
    await gw.exited.catch(() => {});
    stop.now = true;
    await Promise.all(loads);
    for (const id of acked) all.add(id);

    const db = new Database(join(dir, 'custos.db'), { readonly: true });
    try {
      const have = new Set(
        db.prepare("SELECT id FROM audit_events WHERE kind = 'exchange'").pluck().all() as string[],
      );
      const lost = [...all].filter((id) => !have.has(id));
      assert.deepEqual(lost, [], `round ${round}: acknowledged exchanges missing from the store`);
      const jwk = JSON.parse(readFileSync(join(dir, 'custos-audit-signing.jwk'), 'utf8')) as {
        kty: string;
        crv: string;
        x: string;
      };
      const publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
      const report = verifyTrail(createAuditSql(db), {
        verifiers: [ed25519Verifier('crash.test/audit', publicKey)],
      });
      assert.equal(report.ok, true, `round ${round}: ${JSON.stringify(report.problem)}`);
    } finally {
      db.close();
    }
  }
  assert.ok(all.size > KILLS * 10, `the gateway was under load (${all.size} answers acknowledged)`);
});

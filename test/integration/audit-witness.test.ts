import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openCheckpoint } from '../../src/audit/checkpoint.ts';
import { ed25519Verifier } from '../../src/audit/signed-note.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { openSession, post } from '../helpers/raw.ts';

// Checkpoints leave the gateway for an outside witness — the latest signed note in a file, each
// one POSTed to a webhook — and `audit.onStoreFailure: serve` is the loud, explicit opposite of
// failing closed.

let up: RunningServer;
let witness: { url: string; notes: string[]; close(): Promise<void> };
const dirs: string[] = [];

before(async () => {
  up = await startLegacyServer({ json: true });
  const notes: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      if (req.headers['content-type']?.startsWith('text/plain')) notes.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  witness = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`,
    notes,
    close: () => new Promise((r) => server.close(() => r())),
  };
});

after(async () => {
  await up.close();
  await witness.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function gateway(extra: string): Promise<{ gw: Gateway; dir: string; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-witness-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'custos.yaml'),
    `listen: { host: 127.0.0.1, port: 0 }
auth: { mode: none }
store: { sqlite: { path: ./custos.db } }
audit:
  origin: witness.test/audit
${extra}
servers:
  t: { http: { url: '${up.url}' } }
`,
  );
  const gw = await startGateway(loadConfigFile(join(dir, 'custos.yaml')));
  return { gw, dir, url: gw.routes.get('t') as string };
}

async function calls(url: string, n: number): Promise<number[]> {
  const sid = await openSession(url, '2025-11-25');
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await post(
      url,
      {
        jsonrpc: '2.0',
        id: i,
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: `m${i}` } },
      },
      { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    );
    statuses.push(r.status);
  }
  return statuses;
}

test('every N events a signed checkpoint goes to the witness file and webhook; both verify with the log key', async () => {
  const { gw, dir, url } = await gateway(
    `  checkpoints: { every: 5, interval: 1h, file: ./checkpoint.txt, webhook: '${witness.url}' }`,
  );
  try {
    await calls(url, 12);
    for (let i = 0; i < 50 && witness.notes.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await gw.close();
  }
  const jwk = JSON.parse(readFileSync(join(dir, 'custos-audit-signing.jwk'), 'utf8')) as {
    kty: string;
    crv: string;
    x: string;
  };
  const verifier = ed25519Verifier(
    'witness.test/audit',
    createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' }),
  );
  assert.ok(witness.notes.length >= 2, `the webhook got ${witness.notes.length} checkpoints`);
  const sizes = witness.notes.map(
    (n) => openCheckpoint(n, [verifier], { origin: 'witness.test/audit' }).checkpoint.size,
  );
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => a - b),
    'in order',
  );
  // After the first (which the once-a-second timer makes as soon as there is none, whatever the
  // interval), a checkpoint comes every 5 events: the interval here is an hour.
  for (let i = 1; i < sizes.length; i++)
    assert.ok((sizes[i] as number) - (sizes[i - 1] as number) >= 5, `checkpoints at ${sizes.join(', ')}`);
  const file = readFileSync(join(dir, 'checkpoint.txt'), 'utf8');
  const latest = openCheckpoint(file, [verifier]).checkpoint;
  assert.equal(latest.size, Math.max(...sizes), 'the file holds the latest');
});

/** chattr +i: writes to the open database fail (EPERM), even for root. */
function immutable(dir: string, on: boolean): boolean {
  try {
    for (const f of ['custos.db', 'custos.db-wal'])
      if (existsSync(join(dir, f))) execFileSync('chattr', [on ? '+i' : '-i', join(dir, f)]);
    return true;
  } catch {
    return false;
  }
}

test('onStoreFailure: serve answers while the store cannot write, and says so in the log', async (t) => {
  const { gw, dir, url } = await gateway('  onStoreFailure: serve');
  const logged: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  try {
    assert.deepEqual(await calls(url, 1), [200]);
    if (!immutable(dir, true)) {
      t.skip('chattr +i is not available on this filesystem');
      return;
    }
    process.stderr.write = ((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const statuses = await calls(url, 3);
      assert.deepEqual(statuses, [200, 200, 200]);
    } finally {
      process.stderr.write = write;
      immutable(dir, false);
    }
    assert.ok(
      logged.some((l) => /served UNRECORDED/.test(l)),
      'each unrecorded answer is logged as an error',
    );
  } finally {
    process.stderr.write = write;
    await gw.close();
  }
});

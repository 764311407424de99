import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { parseConfig } from '../../src/config/index.ts';
import type { Exchange } from '../../src/core/exchange.ts';
import {
  attachCredential,
  buildServerCredentials,
  createCredentialSource,
} from '../../src/credentials/index.ts';
import { waitFor } from './wait.ts';

// Whatever goes wrong, the secret is in no error message, cause, stack or log line: the runner
// logs `message` and the cause, and the client sees the message.

const SECRET = 'fake-secret-DO-NOT-USE-1234';

/** Everything an error could show: message, causes, stacks, its JSON and util.inspect form. */
function everyRendering(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return [
    e.message,
    e.stack,
    e.cause?.message,
    e.cause?.stack,
    JSON.stringify(e),
    inspect(e, { depth: 5 }),
  ].join('\n');
}

test('a secret that is not a valid header value is refused without being quoted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-leak-'));
  const file = join(dir, 'token');
  writeFileSync(file, `${SECRET}\r\nX-Injected: yes\n`);
  const creds = buildServerCredentials(
    parseConfig({
      auth: { mode: 'none' },
      servers: { crm: { http: { url: 'http://127.0.0.1:1/mcp' }, credentials: { file } } },
    }),
    { log: () => {} },
  );
  try {
    const ex = {
      ctx: { credentials: creds },
      upstream: { name: 'crm', kind: 'http' },
      upstreamHeaders: undefined,
    } as unknown as Exchange;
    let thrown: unknown;
    try {
      attachCredential(ex);
    } catch (err) {
      thrown = err;
    }
    assert.equal((thrown as { code?: string }).code, 'CUSTOS_UPSTREAM_CREDENTIAL');
    assert.ok(!everyRendering(thrown).includes(SECRET));
    assert.equal(ex.upstreamHeaders, undefined);
  } finally {
    for (const c of creds.values()) c.close();
  }
});

test('token exchange errors carry neither the client secret nor the caller token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-leak-'));
  writeFileSync(join(dir, 'client-secret'), SECRET);
  const src = createCredentialSource('docs', {
    header: 'authorization',
    prefix: 'Bearer ',
    tokenExchange: {
      tokenEndpoint: 'http://127.0.0.1:1/token',
      clientId: 'gw',
      clientSecretFile: join(dir, 'client-secret'),
    },
  });
  try {
    const identity = { subject: 'corp:alice' } as Exchange['identity'];
    await assert.rejects(
      async () => src.get({ identity, token: 'caller-token-DO-NOT-USE' }),
      (err: unknown) => {
        const all = everyRendering(err);
        return !all.includes(SECRET) && !all.includes('caller-token-DO-NOT-USE');
      },
    );
    assert.ok(!JSON.stringify(src.status()).includes(SECRET));
  } finally {
    src.close();
  }
});

test('log lines about a rotation name the server and the fingerprint, never the value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-leak-'));
  const file = join(dir, 'token');
  writeFileSync(file, SECRET);
  const lines: string[] = [];
  const src = createCredentialSource(
    'crm',
    { header: 'authorization', prefix: 'Bearer ', file },
    { pollMs: 50, log: (level, msg, fields) => lines.push(JSON.stringify({ level, msg, ...fields })) },
  );
  try {
    writeFileSync(file, `${SECRET}-rotated`);
    await waitFor(() => src.get({}) === `${SECRET}-rotated`, 5000, 'the rotation');
    assert.ok(lines.some((l) => l.includes('rotated')));
    assert.ok(lines.every((l) => !l.includes(SECRET)));
  } finally {
    src.close();
  }
});

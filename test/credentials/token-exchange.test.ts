import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CredentialsConfig } from '../../src/config/index.ts';
import { parseConfig } from '../../src/config/index.ts';
import { GatewayError } from '../../src/core/errors.ts';
import type { Exchange, Identity } from '../../src/core/exchange.ts';
import {
  attachCredential,
  buildServerCredentials,
  type CredentialSource,
  createCredentialSource,
} from '../../src/credentials/index.ts';
import { fakeIdentity } from '../helpers/identity.ts';

// A small real RFC 8693 token endpoint on 127.0.0.1:0. It plays the UPSTREAM's authorization
// server (the one that issues tokens the upstream MCP server accepts), not Custos's own issuer.

interface Seen {
  authorization: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let respond: (form: URLSearchParams, res: ServerResponse) => void | Promise<void>;

const CLIENT_ID = 'custos gw';
const CLIENT_SECRET = 'fake-secret-DO-NOT-USE-1234:+/';
const secretDir = mkdtempSync(join(tmpdir(), 'custos-te-'));
const secretFile = join(secretDir, 'client-secret');
writeFileSync(secretFile, `${CLIENT_SECRET}\n`);

function issue(form: URLSearchParams, res: ServerResponse, extra: Record<string, unknown> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(
    JSON.stringify({
      access_token: `upstream-token-for:${form.get('subject_token')}:${seen.length}`,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3600,
      ...extra,
    }),
  );
}

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      seen.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], form });
      void respond(form, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen = [];
  respond = (form, res) => issue(form, res);
});

function caller(subject: string, token: string): { identity: Identity; token: string } {
  const identity: Identity = fakeIdentity({ subject, issuedAt: Date.now() });
  return { identity, token };
}

function source(te: Partial<NonNullable<CredentialsConfig['tokenExchange']>> = {}): CredentialSource {
  return createCredentialSource('crm', {
    header: 'authorization',
    prefix: 'Bearer ',
    tokenExchange: {
      tokenEndpoint: endpoint,
      clientId: CLIENT_ID,
      clientSecretFile: secretFile,
      audience: 'https://crm.example/mcp',
      scope: 'crm.read crm.write',
      ...te,
    },
  });
}

test('RFC 8693 request: form parameters and client_secret_basic (RFC 6749 §2.3.1 encoding)', async () => {
  const src = source();
  try {
    const token = await src.get(caller('corp:alice', 'alice-access-token'));
    assert.equal(token, 'upstream-token-for:alice-access-token:1');
    assert.equal(seen.length, 1);
    const [req] = seen as [Seen];
    assert.equal(req.contentType, 'application/x-www-form-urlencoded');
    assert.equal(req.form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(req.form.get('subject_token'), 'alice-access-token');
    assert.equal(req.form.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(req.form.get('requested_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(req.form.get('audience'), 'https://crm.example/mcp');
    assert.equal(req.form.get('scope'), 'crm.read crm.write');
    assert.equal(req.form.get('client_id'), null, 'basic auth, not the body');
    assert.equal(req.form.get('client_secret'), null);
    const m = /^Basic (.+)$/.exec(req.authorization ?? '');
    assert.ok(m);
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const [id, secret] = decoded.split(':').map((p) => decodeURIComponent(p.replaceAll('+', ' ')));
    assert.equal(id, CLIENT_ID);
    assert.equal(secret, CLIENT_SECRET);
    assert.ok(!decoded.includes(' '), 'form-urlencoded before base64');
    const st = src.status();
    assert.equal(st.source, 'tokenExchange');
    assert.equal(st.version, 'per-user');
    assert.equal(st.ok, true);
    assert.equal(typeof st.updatedAt, 'number');
  } finally {
    src.close();
  }
});

test('a public client (no clientSecretFile) names itself in the body', async () => {
  const src = createCredentialSource('crm', {
    header: 'authorization',
    prefix: 'Bearer ',
    tokenExchange: { tokenEndpoint: endpoint, clientId: 'public-client' },
  });
  try {
    await src.get(caller('corp:alice', 't'));
    assert.equal(seen[0]?.authorization, undefined);
    assert.equal(seen[0]?.form.get('client_id'), 'public-client');
    assert.equal(seen[0]?.form.get('audience'), null);
  } finally {
    src.close();
  }
});

test('cached per subject until shortly before expires_in; other subjects get their own', async () => {
  const src = source();
  try {
    const a1 = await src.get(caller('corp:alice', 'alice-1'));
    const a2 = await src.get(caller('corp:alice', 'alice-1'));
    const b1 = await src.get(caller('corp:bob', 'bob-1'));
    assert.equal(a1, a2);
    assert.notEqual(a1, b1);
    assert.equal(seen.length, 2);
    assert.deepEqual(
      seen.map((s) => s.form.get('subject_token')),
      ['alice-1', 'bob-1'],
    );

    // expires_in 1 s: refreshed a tenth early, so a call 1 s later exchanges again.
    respond = (form, res) => issue(form, res, { expires_in: 1 });
    const c1 = await src.get(caller('corp:carol', 'carol-1'));
    assert.equal(await src.get(caller('corp:carol', 'carol-1')), c1);
    await sleep(1000);
    assert.notEqual(await src.get(caller('corp:carol', 'carol-1')), c1);
    assert.equal(seen.length, 4);

    // Without expires_in the lifetime is unknown: not cached.
    respond = (form, res) => issue(form, res, { expires_in: undefined });
    await src.get(caller('corp:dave', 'dave-1'));
    await src.get(caller('corp:dave', 'dave-1'));
    assert.equal(seen.length, 6);
  } finally {
    src.close();
  }
});

test('concurrent calls for one subject share one exchange', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  respond = async (form, res) => {
    await gate;
    issue(form, res);
  };
  const src = source();
  try {
    const calls = Array.from({ length: 8 }, () => src.get(caller('corp:alice', 'alice-1')));
    const other = src.get(caller('corp:bob', 'bob-1'));
    await sleep(50);
    release();
    const tokens = await Promise.all(calls);
    await other;
    assert.equal(new Set(tokens).size, 1);
    assert.equal(seen.filter((s) => s.form.get('subject_token') === 'alice-1').length, 1);
    assert.equal(seen.length, 2);
  } finally {
    src.close();
  }
});

test('failures map to CUSTOS_UPSTREAM_CREDENTIAL without the body or a secret, and are not cached', async () => {
  const src = source();
  const expectCredentialError = async (p: string | Promise<string>, reason: RegExp) => {
    await assert.rejects(
      async () => p,
      (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.code, 'CUSTOS_UPSTREAM_CREDENTIAL');
        assert.equal(err.http, 502);
        assert.equal(err.message, "Upstream credential unavailable: server 'crm'");
        const cause = String((err.cause as Error).message);
        assert.match(cause, reason);
        for (const text of [err.message, cause, err.stack ?? '', (err.cause as Error).stack ?? '']) {
          assert.ok(!text.includes('SECRET-IN-BODY'), 'no response body');
          assert.ok(!text.includes(CLIENT_SECRET), 'no client secret');
          assert.ok(!text.includes('alice-access-token'), 'no subject token');
        }
        return true;
      },
    );
  };
  try {
    respond = (_f, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'SECRET-IN-BODY' }));
    };
    await expectCredentialError(
      src.get(caller('corp:alice', 'alice-access-token')),
      /answered 400 invalid_grant$/,
    );
    assert.match(src.status().error ?? '', /last exchange: token endpoint answered 400 invalid_grant/);
    assert.equal(src.status().ok, true, 'one refused user does not make the source unavailable');

    respond = (_f, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'SECRET-IN-BODY' }));
    };
    await expectCredentialError(src.get(caller('corp:alice', 'alice-access-token')), /answered 400$/);

    respond = (_f, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('SECRET-IN-BODY stack trace');
    };
    await expectCredentialError(src.get(caller('corp:alice', 'alice-access-token')), /answered 500$/);

    respond = (_f, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token_type: 'Bearer', note: 'SECRET-IN-BODY' }));
    };
    await expectCredentialError(
      src.get(caller('corp:alice', 'alice-access-token')),
      /no usable access_token/,
    );

    respond = (_f, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'a\r\nX-Injected: SECRET-IN-BODY', expires_in: 60 }));
    };
    await expectCredentialError(
      src.get(caller('corp:alice', 'alice-access-token')),
      /no usable access_token/,
    );

    assert.equal(seen.length, 5, 'every failure retried, none cached');
    respond = (form, res) => issue(form, res);
    assert.match(await src.get(caller('corp:alice', 'alice-access-token')), /^upstream-token-for:/);
    assert.equal(src.status().error, undefined);
  } finally {
    src.close();
  }
});

test('no caller token (auth.mode: none), an unreachable endpoint, a missing client secret', async () => {
  const src = source();
  const dead = source({ tokenEndpoint: 'http://127.0.0.1:1/token' });
  const noSecret = source({ clientSecretFile: join(secretDir, 'missing') });
  try {
    assert.throws(() => src.get({}), { code: 'CUSTOS_UPSTREAM_CREDENTIAL' });
    assert.throws(() => src.get({ token: 'x' }), { code: 'CUSTOS_UPSTREAM_CREDENTIAL' });
    await assert.rejects(
      async () => dead.get(caller('corp:alice', 'a')),
      (err: GatewayError) => {
        assert.equal(err.code, 'CUSTOS_UPSTREAM_CREDENTIAL');
        assert.match((err.cause as Error).message, /unreachable: ECONNREFUSED/);
        return true;
      },
    );
    assert.equal(noSecret.status().ok, false);
    assert.match(noSecret.status().error ?? '', /^client secret: cannot read: ENOENT/);
    await assert.rejects(async () => noSecret.get(caller('corp:alice', 'a')), {
      code: 'CUSTOS_UPSTREAM_CREDENTIAL',
    });
    assert.equal(seen.length, 0);
  } finally {
    src.close();
    dead.close();
    noSecret.close();
  }
});

test('the step waits for the exchange and puts the upstream token in the configured header', async () => {
  const creds = buildServerCredentials(
    parseConfig({
      auth: { mode: 'none' },
      servers: {
        crm: {
          http: { url: 'http://127.0.0.1:1/mcp' },
          credentials: {
            tokenExchange: { tokenEndpoint: endpoint, clientId: 'gw', clientSecretFile: secretFile },
          },
        },
      },
    }),
    { log: () => {} },
  );
  try {
    const { identity, token } = caller('corp:alice', 'alice-1');
    const ex = {
      ctx: { credentials: creds },
      upstream: { name: 'crm', kind: 'http' },
      identity,
      token,
      upstreamHeaders: undefined,
    } as unknown as Exchange;
    const r = attachCredential(ex);
    assert.ok(r instanceof Promise);
    await r;
    assert.deepEqual(ex.upstreamHeaders, { authorization: 'Bearer upstream-token-for:alice-1:1' });
    const again = { ...ex, upstreamHeaders: undefined } as Exchange;
    assert.equal(attachCredential(again), undefined, 'a cached token is attached synchronously');
    assert.deepEqual(again.upstreamHeaders, ex.upstreamHeaders);
  } finally {
    for (const c of creds.values()) c.close();
  }
});

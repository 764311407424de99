import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';
import { createRevocationView } from '../../src/identity/revocation.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/identity/signing-key.ts';
import { createTokenExchangeHandler } from '../../src/identity/token-exchange.ts';
import { createTokenVerifier } from '../../src/identity/verify.ts';
import { openSqliteStore, type Store } from '../../src/store/index.ts';
import { eventually, serveHandler } from '../helpers/handler-server.ts';
import { fakeIdentity } from '../helpers/identity.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';

const RESOURCE = 'https://custos.test';
const MAX_TTL = 600;
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

let idp: TestIssuer;
let key: SigningKey;
let store: Store;
let dir: string;
let verifier: ReturnType<typeof createTokenVerifier>;
let revocations: ReturnType<typeof createRevocationView>;
let server: { url: string; close(): Promise<void> };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'custos-tx-'));
  idp = await startTestIssuer();
  key = await loadOrCreateSigningKey(join(dir, 'signing-key.json'));
  store = openSqliteStore({ path: join(dir, 'custos.db') });
  const config = parseConfig(
    {
      auth: {
        mode: 'tokens',
        resource: RESOURCE,
        issuers: [{ name: 'corp', issuer: idp.issuer, algorithms: ['RS256'] }],
      },
      servers: { crm: { http: { url: 'http://127.0.0.1:1/mcp' } } },
    },
    'test',
  );
  assert.equal(config.auth.mode, 'tokens');
  verifier = createTokenVerifier({
    issuers: config.auth.mode === 'tokens' ? config.auth.issuers : [],
    clockSkewSeconds: 5,
    audiences: [RESOURCE],
    gatewayKey: { kid: key.kid, publicKey: key.publicKey },
  });
  revocations = createRevocationView(store, { pollMs: 20 });
  server = await serveHandler(
    createTokenExchangeHandler({ verifier, revocations, key, maxTtlSeconds: MAX_TTL, store }),
  );
});

after(async () => {
  await server.close();
  revocations.close();
  verifier.close();
  await store.close();
  await idp.close();
});

let n = 0;
/** An IdP access token for `sub` (unique jti each time, so the verifier's cache never answers). */
function idpToken(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  return idp.sign({
    sub,
    aud: RESOURCE,
    jti: `idp-${++n}`,
    groups: ['eng', 'ops'],
    scope: 'crm:read crm:write',
    preferred_username: sub,
    ...claims,
  });
}

async function exchange(params: Record<string, string>) {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

const base = (subjectToken: string) => ({
  grant_type: GRANT,
  subject_token: subjectToken,
  subject_token_type: JWT_TYPE,
});

test('an IdP token is exchanged for a narrower gateway token of the same subject', async () => {
  const r = await exchange({ ...base(await idpToken('alice')), scope: 'crm:read', groups: 'eng' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.json.issued_token_type, JWT_TYPE);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.scope, 'crm:read');
  // The subject token lives 300 s: the new one cannot outlive it.
  assert.ok((r.json.expires_in as number) <= 300 && (r.json.expires_in as number) >= 295);

  const identity = await verifier.verify(r.json.access_token as string);
  assert.equal(identity.subject, 'corp:alice');
  assert.equal(identity.issuer, 'custos');
  assert.equal(identity.method, 'oidc'); // custos_method: how alice originally proved who she is
  assert.equal(identity.user, 'alice');
  assert.deepEqual(identity.groups, ['eng']);
  assert.deepEqual(identity.scopes, ['crm:read']);

  // Recorded in the store by jti; the token string itself is nowhere on disk.
  const recorded = store.listIssuedTokens({ subject: 'corp:alice' });
  assert.equal(recorded.length, 1);
  assert.equal(recorded[0]?.jti, identity.tokenId);
  assert.deepEqual(recorded[0]?.groups, ['eng']);
  const signature = (r.json.access_token as string).split('.')[2] as string;
  for (const f of readdirSync(dir))
    assert.ok(!readFileSync(join(dir, f)).toString('latin1').includes(signature), f);
});

test('without scope or groups the subject keeps its own; the lifetime is capped by maxTtl and the wish', async () => {
  const long = await idpToken('bob', { exp: Math.floor(Date.now() / 1000) + 3600 });
  const capped = await exchange({ ...base(long), expires_in: '100000' });
  assert.equal(capped.status, 200);
  assert.equal(capped.json.expires_in, MAX_TTL);
  const identity = await verifier.verify(capped.json.access_token as string);
  assert.deepEqual(identity.groups, ['eng', 'ops']);
  assert.deepEqual(identity.scopes, ['crm:read', 'crm:write']);
  assert.ok(identity.expiresAt - Date.now() <= MAX_TTL * 1000);

  const wished = await exchange({ ...base(await idpToken('bob')), expires_in: '60' });
  assert.equal(wished.json.expires_in, 60);
});

test('asking for more than the subject token grants is invalid_scope', async () => {
  const widerScope = await exchange({ ...base(await idpToken('alice')), scope: 'crm:read crm:admin' });
  assert.equal(widerScope.status, 400);
  assert.equal(widerScope.json.error, 'invalid_scope');
  const widerGroups = await exchange({ ...base(await idpToken('alice')), groups: 'eng admins' });
  assert.equal(widerGroups.status, 400);
  assert.equal(widerGroups.json.error, 'invalid_scope');
});

test('a revoked subject token is invalid_grant', async () => {
  const token = await idpToken('mallory');
  store.addRevocation({ kind: 'subject', value: 'corp:mallory', at: Date.now(), reason: 'left the company' });
  await eventually(
    () => revocations.isRevoked(fakeIdentity({ subject: 'corp:mallory', expiresAt: Date.now() + 1000 })),
    1000,
    'the revocation',
  );
  const r = await exchange(base(token));
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_grant');
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('a garbage, forged or expired subject token is invalid_grant', async () => {
  for (const token of [
    'not-a-jwt',
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    await idpToken('alice', { aud: 'https://elsewhere.test' }),
    await idpToken('alice', { exp: Math.floor(Date.now() / 1000) - 600 }),
  ]) {
    const r = await exchange(base(token));
    assert.equal(r.status, 400, token);
    assert.equal(r.json.error, 'invalid_grant');
    assert.ok(!JSON.stringify(r.json).includes(token));
  }
});

test('malformed requests get the RFC 6749 §5.2 errors', async () => {
  const token = await idpToken('alice');
  assert.equal(
    (await exchange({ ...base(token), grant_type: 'client_credentials' })).json.error,
    'unsupported_grant_type',
  );
  assert.equal(
    (await exchange({ grant_type: GRANT, subject_token_type: JWT_TYPE })).json.error,
    'invalid_request',
  );
  assert.equal(
    (await exchange({ ...base(token), subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' })).json
      .error,
    'invalid_request',
  );
  assert.equal((await exchange({ ...base(token), expires_in: '-5' })).json.error, 'invalid_request');
  assert.equal((await exchange({ ...base(token), actor_token: 'x' })).json.error, 'invalid_request');

  const dup = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `${new URLSearchParams(base(token))}&scope=a&scope=b`,
  });
  assert.equal(dup.status, 400);
  assert.equal(((await dup.json()) as { error: string }).error, 'invalid_request');

  const json = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(base(token)),
  });
  assert.equal(json.status, 400);

  const get = await fetch(`${server.url}/oauth/token`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose';
import { GATEWAY_AUDIENCE, GATEWAY_ISSUER, issueGatewayToken } from '../../src/identity/gateway-tokens.ts';
import { loadOrCreateSigningKey, SigningKeyError } from '../../src/identity/signing-key.ts';
import { createTokenVerifier } from '../../src/identity/verify.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'custos-key-'));

test('the signing key is created with mode 0600 and reused', async () => {
  const file = join(tempDir(), 'signing-key.json');
  const first = await loadOrCreateSigningKey(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const second = await loadOrCreateSigningKey(file);
  assert.equal(second.kid, first.kid);
  assert.deepEqual(second.publicJwk, first.publicJwk);
  // RFC 7638 thumbprint of the public key; the public JWK carries no private part.
  assert.equal(
    first.kid,
    await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: first.publicJwk.x as string }),
  );
  assert.equal(first.publicJwk.d, undefined);
  assert.equal(first.publicJwk.alg, 'EdDSA');
  assert.equal(first.privateKey.asymmetricKeyType, 'ed25519');
});

test('two processes starting at once end up with the same key', async () => {
  const file = join(tempDir(), 'signing-key.json');
  const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey(file)));
  assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
});

test('a key file readable by group or others is refused', async () => {
  const file = join(tempDir(), 'signing-key.json');
  await loadOrCreateSigningKey(file);
  chmodSync(file, 0o644);
  await assert.rejects(loadOrCreateSigningKey(file), (err: Error) => {
    assert.ok(err instanceof SigningKeyError);
    assert.match(err.message, /chmod 600/);
    return true;
  });
});

test('a key file that is not an Ed25519 JWK is refused without quoting it', async () => {
  const file = join(tempDir(), 'signing-key.json');
  writeFileSync(file, '{"kty":"oct","k":"c2VjcmV0LXZhbHVl"}', { mode: 0o600 });
  await assert.rejects(loadOrCreateSigningKey(file), (err: Error) => {
    assert.ok(err instanceof SigningKeyError);
    assert.doesNotMatch(err.message, /c2VjcmV0/);
    return true;
  });
});

test('a gateway token carries exactly the agreed header and claims', async () => {
  const key = await loadOrCreateSigningKey(join(tempDir(), 'k.json'));
  const before = Math.floor(Date.now() / 1000);
  const issued = await issueGatewayToken(key, {
    subject: 'corp:alice',
    groups: ['eng'],
    scopes: ['crm:read', 'crm:write'],
    ttlSeconds: 600,
    maxTtlSeconds: 3600,
    user: 'alice',
    method: 'oidc',
    attributes: { team: 'platform' },
  });
  assert.deepEqual(decodeProtectedHeader(issued.token), { alg: 'EdDSA', kid: key.kid, typ: 'JWT' });
  const { payload } = await jwtVerify(issued.token, key.publicKey, {
    issuer: GATEWAY_ISSUER,
    audience: GATEWAY_AUDIENCE,
    algorithms: ['EdDSA'],
  });
  assert.equal(payload.iss, 'urn:custos:gateway');
  assert.equal(payload.aud, 'urn:custos:gateway');
  assert.equal(payload.sub, 'corp:alice');
  assert.deepEqual(payload.groups, ['eng']);
  assert.equal(payload.scope, 'crm:read crm:write');
  assert.equal(payload.user, 'alice');
  assert.equal(payload.custos_method, 'oidc');
  assert.deepEqual(payload.custos_attrs, { team: 'platform' });
  assert.equal(payload.jti, issued.tokenId);
  // 128 random bits, hex: never begins with `-`, so it can be given bare on a command line.
  assert.match(issued.tokenId, /^[0-9a-f]{32}$/);
  assert.ok((payload.iat as number) >= before);
  assert.equal(payload.nbf, payload.iat);
  assert.equal(payload.exp, (payload.iat as number) + 600);
  assert.equal(issued.expiresAt, (payload.exp as number) * 1000);
});

test('a minimal token leaves the optional claims out', async () => {
  const key = await loadOrCreateSigningKey(join(tempDir(), 'k.json'));
  const { token } = await issueGatewayToken(key, {
    subject: 'custos:ci-nightly',
    groups: [],
    ttlSeconds: 60,
    maxTtlSeconds: 60,
  });
  const { payload } = await jwtVerify(token, key.publicKey);
  assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'groups', 'iat', 'iss', 'jti', 'nbf', 'sub']);
  assert.deepEqual(payload.groups, []);
});

test('the gateway verifier accepts what is issued here', async () => {
  const key = await loadOrCreateSigningKey(join(tempDir(), 'k.json'));
  const verifier = createTokenVerifier({
    issuers: [],
    clockSkewSeconds: 5,
    audiences: ['https://custos.test'],
    gatewayKey: { kid: key.kid, publicKey: key.publicKey },
  });
  try {
    const issued = await issueGatewayToken(key, {
      subject: 'custos:ci-nightly',
      groups: ['reporting'],
      scopes: ['crm'],
      ttlSeconds: 60,
      maxTtlSeconds: 3600,
    });
    const identity = await verifier.verify(issued.token);
    assert.equal(identity.subject, 'custos:ci-nightly');
    assert.equal(identity.method, 'gateway');
    assert.deepEqual(identity.groups, ['reporting']);
    assert.deepEqual(identity.scopes, ['crm']);
    assert.equal(identity.tokenId, issued.tokenId);
    assert.equal(identity.expiresAt, issued.expiresAt);
  } finally {
    verifier.close();
  }
});

test('a lifetime over the maximum (or not positive) is refused, never capped', async () => {
  const key = await loadOrCreateSigningKey(join(tempDir(), 'k.json'));
  const base = { subject: 'custos:x', groups: [], maxTtlSeconds: 3600 };
  await assert.rejects(
    issueGatewayToken(key, { ...base, ttlSeconds: 3601 }),
    /longer than the maximum of 3600 s/,
  );
  await assert.rejects(issueGatewayToken(key, { ...base, ttlSeconds: 0 }), RangeError);
  await assert.rejects(issueGatewayToken(key, { ...base, ttlSeconds: Number.POSITIVE_INFINITY }), RangeError);
});

test('the private key never appears in the public JWK or the token', async () => {
  const file = join(tempDir(), 'k.json');
  const key = await loadOrCreateSigningKey(file);
  const d = (JSON.parse(readFileSync(file, 'utf8')) as { d: string }).d;
  const { token } = await issueGatewayToken(key, {
    subject: 'custos:x',
    groups: [],
    ttlSeconds: 60,
    maxTtlSeconds: 60,
  });
  assert.ok(!JSON.stringify(key.publicJwk).includes(d));
  assert.ok(!token.includes(d));
});

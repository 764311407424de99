import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { type CryptoKey, generateKeyPair, SignJWT } from 'jose';
import { GATEWAY_TOKEN_AUDIENCE, GATEWAY_TOKEN_ISSUER } from '../../src/identity/claims.ts';
import { AuthError } from '../../src/identity/types.ts';
import { createTokenVerifier } from '../../src/identity/verify.ts';

// Tokens the gateway signs itself (Ed25519, RFC 8037), as gateway-tokens.ts and token exchange
// produce them. The public key may be a node KeyObject or a WebCrypto CryptoKey.

const now = () => Math.floor(Date.now() / 1000);

function signGateway(
  key: CryptoKey | import('node:crypto').KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
) {
  const t = now();
  return new SignJWT({
    iss: GATEWAY_TOKEN_ISSUER,
    aud: GATEWAY_TOKEN_AUDIENCE,
    iat: t,
    exp: t + 600,
    jti: 'tok_01',
    ...claims,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'gw-2026', ...header })
    .sign(key);
}

describe('gateway-issued tokens', () => {
  test('a service token maps to a gateway identity (KeyObject public key)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const v = createTokenVerifier({
      issuers: [],
      clockSkewSeconds: 60,
      audiences: [],
      gatewayKey: { kid: 'gw-2026', publicKey },
    });
    try {
      const t = now();
      const id = await v.verify(
        await signGateway(privateKey, {
          sub: 'custos:ci-nightly',
          groups: ['ci'],
          scope: 'crm:read',
          iat: t,
        }),
      );
      assert.deepEqual(id, {
        subject: 'custos:ci-nightly',
        method: 'gateway',
        issuer: 'custos',
        user: undefined,
        groups: ['ci'],
        scopes: ['crm:read'],
        attributes: {},
        audiences: [],
        tokenId: 'tok_01',
        issuedAt: t * 1000,
        expiresAt: (t + 600) * 1000,
      });
    } finally {
      v.close();
    }
  });

  test('an exchanged token keeps the original method, user and attributes (CryptoKey public key)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const v = createTokenVerifier({
      issuers: [],
      clockSkewSeconds: 60,
      audiences: [],
      gatewayKey: { kid: 'gw-2026', publicKey },
    });
    try {
      const id = await v.verify(
        await signGateway(privateKey, {
          sub: 'gha:repo:o/r:ref:refs/heads/main',
          groups: [],
          user: 'octocat',
          custos_method: 'github-actions',
          custos_attrs: { repository: 'o/r', ref: 'refs/heads/main' },
        }),
      );
      assert.equal(id.method, 'github-actions');
      assert.equal(id.issuer, 'custos');
      assert.equal(id.user, 'octocat');
      assert.deepEqual(id.attributes, { repository: 'o/r', ref: 'refs/heads/main' });
      assert.deepEqual(id.scopes, []);
    } finally {
      v.close();
    }
  });

  test('malformed gateway claims, a wrong kid, aud or alg, or a disabled gateway key are refused', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const v = createTokenVerifier({
      issuers: [],
      clockSkewSeconds: 60,
      audiences: [],
      gatewayKey: { kid: 'gw-2026', publicKey },
    });
    const off = createTokenVerifier({ issuers: [], clockSkewSeconds: 60, audiences: [] });
    try {
      const bad: Array<[Record<string, unknown>, Record<string, unknown>?]> = [
        [{ sub: 'custos:x', jti: undefined }],
        [{ sub: 'custos:x', exp: undefined }],
        [{ sub: undefined }],
        [{ sub: 'custos:x', groups: 'admins' }],
        [{ sub: 'custos:x', groups: [1] }],
        [{ sub: 'custos:x', scope: ['a'] }],
        [{ sub: 'custos:x', custos_method: 'none' }],
        [{ sub: 'custos:x', custos_attrs: { a: 1 } }],
        [{ sub: 'custos:x', custos_attrs: ['a'] }],
        [{ sub: 'custos:x', aud: 'https://custos.example/mcp' }],
        [{ sub: 'custos:x' }, { kid: 'gw-2025' }],
        [{ sub: 'custos:x' }, { alg: 'Ed25519' }],
      ];
      for (const [claims, header] of bad) {
        const token = await signGateway(privateKey, claims, header);
        await assert.rejects(v.verify(token), AuthError, JSON.stringify([claims, header]));
      }
      await assert.rejects(
        off.verify(await signGateway(privateKey, { sub: 'custos:x' })),
        (err: unknown) => err instanceof AuthError && /not enabled/.test(err.reason),
      );
    } finally {
      v.close();
      off.close();
    }
  });

  test('a "__proto__" attribute stays data', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const v = createTokenVerifier({
      issuers: [],
      clockSkewSeconds: 60,
      audiences: [],
      gatewayKey: { kid: 'gw-2026', publicKey },
    });
    try {
      const token = await signGateway(privateKey, {
        sub: 'custos:x',
        custos_attrs: JSON.parse('{"__proto__": "polluted", "team": "a"}'),
      });
      const id = await v.verify(token);
      assert.deepEqual(id.attributes, { team: 'a' });
      assert.equal(Object.getPrototypeOf(id.attributes), Object.prototype);
    } finally {
      v.close();
    }
  });
});

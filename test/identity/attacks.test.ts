import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { TokenCache } from '../../src/identity/token-cache.ts';
import { AuthError } from '../../src/identity/types.ts';
import { createTokenVerifier, MAX_TOKEN_LENGTH } from '../../src/identity/verify.ts';
import {
  issuerConfigFor,
  makeTestKey,
  signRaw,
  startRecordingServer,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
} from '../helpers/issuer.ts';

// The attack battery (RFC 8725 §2 lists most of them). Every token here must be refused with an
// AuthError, twice (the second answer may come from the short failure cache), and must never sit
// in the cache as a verified identity.

const AUD = 'https://custos.example/mcp';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('attack battery', () => {
  let idp: TestIssuer;
  let other: TestIssuer;
  let attacker: Awaited<ReturnType<typeof startRecordingServer>>;
  let cache: TokenCache;
  let verifier: ReturnType<typeof createTokenVerifier>;
  let gatewayKey: { kid: string; privateKey: CryptoKey };

  before(async () => {
    idp = await startTestIssuer({ algorithms: ['RS256'] });
    other = await startTestIssuer({ algorithms: ['RS256'] });
    attacker = await startRecordingServer();
    const gw = await generateKeyPair('EdDSA');
    gatewayKey = { kid: 'gw-1', privateKey: gw.privateKey };
    cache = new TokenCache();
    verifier = createTokenVerifier({
      // HS256 is not configurable; RS256 alone is what this issuer allows.
      issuers: [issuerConfigFor(idp, { algorithms: ['RS256'] }), issuerConfigFor(other, { name: 'other' })],
      clockSkewSeconds: 60,
      audiences: [AUD],
      gatewayKey: { kid: 'gw-1', publicKey: gw.publicKey },
      cache,
    });
    // Warm the JWKS so that "unknown kid" below really exercises the refetch path.
    await verifier.verify(await idp.sign({ sub: 'warm', aud: AUD }));
  });
  after(async () => {
    verifier.close();
    await Promise.all([idp.close(), other.close(), attacker.close()]);
  });

  async function refused(token: string, why?: RegExp, v = verifier, c = cache): Promise<void> {
    for (let i = 0; i < 2; i++) {
      await assert.rejects(v.verify(token), (err: unknown) => {
        assert.ok(err instanceof AuthError, `not an AuthError: ${String(err)}`);
        if (why !== undefined) assert.match(err.reason, why);
        if (token.length > 8) assert.ok(!err.reason.includes(token), 'the reason must not carry the token');
        return true;
      });
    }
    assert.equal(c.get(token, Date.now()), undefined, 'cached as valid');
  }

  const valid = (claims: Record<string, unknown> = {}) => idp.sign({ sub: 'mallory', aud: AUD, ...claims });

  test('alg: none (unsecured JWT, RFC 7519 §6)', async () => {
    const payload = b64({ iss: idp.issuer, sub: 'admin', aud: AUD, exp: now() + 300 });
    await refused(`${b64({ alg: 'none' })}.${payload}.`, /ALG_NOT_ALLOWED/);
    await refused(`${b64({ alg: 'none', kid: idp.keys[0]?.kid })}.${payload}.`);
    await refused(`${b64({ alg: 'None' })}.${payload}.`);
  });

  test('HS256 signed with the RSA public key (algorithm confusion, RFC 8725 §2.1)', async () => {
    const jwk = idp.keys[0]?.publicJwk as Parameters<typeof createPublicKey>[0] & object;
    const pem = createPublicKey({ key: jwk, format: 'jwk' } as never).export({ type: 'spki', format: 'pem' });
    const header = b64({ alg: 'HS256', kid: idp.keys[0]?.kid, typ: 'JWT' });
    const payload = b64({ iss: idp.issuer, sub: 'admin', aud: AUD, exp: now() + 300 });
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await refused(`${header}.${payload}.${sig}`, /ALG_NOT_ALLOWED/);
    }
  });

  test('wrong iss: unknown issuer, and one issuer posing as another', async () => {
    await refused(await valid({ iss: 'https://evil.example' }), /unknown issuer/);
    await refused(await valid({ iss: undefined }), /unknown issuer/);
    // Signed by idp's key, claiming to be `other`: other's JWKS has no such key.
    await refused(await idp.sign({ sub: 'x', aud: AUD, iss: other.issuer }));
  });

  test('wrong or missing aud', async () => {
    await refused(await valid({ aud: 'https://other-api.example' }), /aud/);
    await refused(await valid({ aud: [] }), /aud/);
    await refused(await valid({ aud: undefined }), /aud/);
  });

  test('expired, and nbf in the future (beyond the skew)', async () => {
    await refused(await valid({ exp: now() - 61, iat: now() - 3600 }), /EXPIRED/);
    await refused(await valid({ nbf: now() + 61 }), /nbf/);
  });

  test('missing exp, and exp/nbf/iat that are not numbers', async () => {
    await refused(await valid({ exp: undefined }), /exp/);
    await refused(await valid({ exp: String(now() + 300) }), /exp/);
    await refused(await valid({ exp: null }), /exp/);
    await refused(await valid({ nbf: String(now()) }), /nbf/);
    await refused(await valid({ iat: 'yesterday' }), /iat/);
    await refused(await valid({ sub: undefined }), /sub/);
    await refused(await valid({ sub: 42 }), /sub/);
  });

  test('unknown kid: refused after the refetch, and still unknown', async () => {
    const stranger = await makeTestKey('RS256');
    const before = idp.requests.jwks;
    const token = await new SignJWT({ iss: idp.issuer, sub: 'x', aud: AUD, exp: now() + 300 })
      .setProtectedHeader({ alg: 'RS256', kid: stranger.kid })
      .sign(stranger.privateKey);
    await refused(token, /NO_MATCHING_KEY/);
    assert.equal(idp.requests.jwks - before, 1);
  });

  test('jku, x5u and embedded jwk headers are never fetched nor used', async () => {
    const evil = await makeTestKey('RS256');
    const claims = { iss: idp.issuer, sub: 'admin', aud: AUD, exp: now() + 300 };
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header }).sign(evil.privateKey);
    const legitKid = idp.keys[0]?.kid as string;
    for (const kid of [evil.kid, legitKid]) {
      await refused(await sign({ kid, jku: `${attacker.url}/jwks.json` }));
      await refused(await sign({ kid, x5u: `${attacker.url}/cert.pem` }));
      await refused(await sign({ kid, jwk: evil.publicJwk }));
    }
    await refused(await sign({ jwk: evil.publicJwk }));
    assert.deepEqual(attacker.hits, []);
  });

  test('an unknown crit header (RFC 7515 §4.1.11)', async () => {
    const key = idp.keys[0] as TestKey;
    const header = { alg: 'RS256', kid: key.kid, crit: ['urn:example:must-understand'] };
    const claims = { iss: idp.issuer, sub: 'x', aud: AUD, exp: now() + 300 };
    await refused(signRaw({ ...header, 'urn:example:must-understand': true }, claims, key), /not recognized/);
    // A crit naming a parameter that is absent, or an empty crit list, is malformed (RFC 7515 §4.1.11).
    await refused(signRaw(header, claims, key));
    await refused(signRaw({ ...header, crit: [] }, claims, key));
    // The control: the same token without crit is fine.
    assert.equal(
      (await verifier.verify(signRaw({ alg: 'RS256', kid: key.kid }, claims, key))).subject,
      'corp:x',
    );
  });

  test('tampered payload, tampered header, stripped signature', async () => {
    const token = await valid();
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    await refused(`${h}.${b64({ ...claims, sub: 'admin' })}.${s}`, /SIGNATURE/);
    await refused(`${b64({ alg: 'RS256', kid: idp.keys[0]?.kid, x: 1 })}.${p}.${s}`, /SIGNATURE/);
    await refused(`${h}.${p}.`);
    await refused(`${h}.${p}`);
    await refused(`${h}.${p}.${s}.${s}`);
  });

  test('any single-character change to a valid token is refused (property)', async () => {
    const token = await valid();
    // The last character of the signature may carry only padding bits (base64url), so leave it.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: token.length - 2 }),
        fc.constantFrom(...alphabet),
        async (at, ch) => {
          fc.pre(token[at] !== ch);
          const mutated = token.slice(0, at) + ch + token.slice(at + 1);
          await assert.rejects(verifier.verify(mutated), AuthError);
          assert.equal(cache.get(mutated, Date.now()), undefined);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a key rotated out of the JWKS', async () => {
    const rotating = await startTestIssuer();
    const c = new TokenCache();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(rotating)],
      clockSkewSeconds: 60,
      audiences: [AUD],
      cache: c,
    });
    try {
      const oldKid = rotating.keys[0]?.kid as string;
      await v.verify(await rotating.sign({ sub: 'x', aud: AUD }));
      const newKid = await rotating.rotate();
      rotating.retire(oldKid);
      await v.verify(await rotating.sign({ sub: 'y', aud: AUD }, { kid: newKid }));
      await refused(
        await rotating.sign({ sub: 'x', aud: AUD, jti: 'fresh' }, { kid: oldKid }),
        /NO_MATCHING_KEY/,
        v,
        c,
      );
    } finally {
      v.close();
      await rotating.close();
    }
  });

  test('oversized tokens are refused before parsing', async () => {
    await refused('a'.repeat(MAX_TOKEN_LENGTH + 1), /too large/);
    await refused(await valid({ padding: 'x'.repeat(MAX_TOKEN_LENGTH) }), /too large/);
  });

  test('garbage', async () => {
    for (const junk of ['', 'abc', 'a.b.c', '...', 'Bearer x', '€.€.€', `${b64([1])}.${b64([2])}.x`]) {
      await refused(junk);
    }
  });

  test('a gateway token signed by another Ed25519 key with the same kid', async () => {
    const impostor = await generateKeyPair('EdDSA');
    const token = await new SignJWT({
      iss: 'urn:custos:gateway',
      aud: 'urn:custos:gateway',
      sub: 'custos:root',
      groups: ['admins'],
      jti: 'j1',
      exp: now() + 300,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: gatewayKey.kid })
      .sign(impostor.privateKey);
    await refused(token, /SIGNATURE/);
  });

  test('a gateway token signed with an issuer RSA key, or claiming iss without a kid', async () => {
    const claims = {
      iss: 'urn:custos:gateway',
      aud: 'urn:custos:gateway',
      sub: 'custos:x',
      jti: 'j',
      groups: [],
    };
    await refused(await idp.sign(claims, { header: { kid: gatewayKey.kid } }), /ALG_NOT_ALLOWED/);
    await refused(await idp.sign(claims, { header: { kid: undefined } }), /kid/);
  });

  test('an RSA key smaller than 2048 bits is refused (RFC 8725 §3.5)', async () => {
    const weak = await startTestIssuer({ algorithms: [] });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const key = {
      kid: 'weak',
      alg: 'RS256' as const,
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid: 'weak' },
    };
    weak.publish(key);
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(weak)],
      clockSkewSeconds: 0,
      audiences: [AUD],
    });
    try {
      const token = signRaw(
        { alg: 'RS256', kid: 'weak' },
        { iss: weak.issuer, sub: 'x', aud: AUD, exp: now() + 60 },
        key,
      );
      await assert.rejects(
        v.verify(token),
        (err: unknown) => err instanceof AuthError && /2048/.test(String((err.cause as Error)?.message)),
      );
    } finally {
      v.close();
      await weak.close();
    }
  });
});

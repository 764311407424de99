import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TokenCache } from '../../src/identity/token-cache.ts';
import { AuthError } from '../../src/identity/types.ts';
import { createTokenVerifier } from '../../src/identity/verify.ts';
import { issuerConfigFor, startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';

// Access tokens from a configured issuer, end to end over real HTTP: discovery, JWKS, claims
// mapping, the cache, key rotation in and out, clock skew. Attacks are in attacks.test.ts.

const AUD = 'https://custos.example/mcp';
const now = () => Math.floor(Date.now() / 1000);

describe('OIDC access tokens', () => {
  let idp: TestIssuer;
  before(async () => {
    idp = await startTestIssuer({ algorithms: ['RS256', 'ES256', 'EdDSA'] });
  });
  after(() => idp.close());

  test('a valid token maps to an Identity', async () => {
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(idp)],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      const iat = now() - 10;
      const token = await idp.sign({
        sub: '248289761001',
        aud: AUD,
        iat,
        exp: iat + 600,
        jti: 'tok-1',
        scope: 'mcp:read mcp:write',
        groups: ['eng', 'oncall', 'eng'],
        preferred_username: 'alice',
      });
      const id = await v.verify(token);
      assert.deepEqual(id, {
        subject: 'corp:248289761001',
        method: 'oidc',
        issuer: 'corp',
        user: 'alice',
        groups: ['eng', 'oncall'],
        scopes: ['mcp:read', 'mcp:write'],
        attributes: {},
        audiences: ['https://custos.example/mcp'],
        tokenId: 'tok-1',
        issuedAt: iat * 1000,
        expiresAt: (iat + 600) * 1000,
      });
      assert.ok(Object.isFrozen(id) && Object.isFrozen(id.groups));
    } finally {
      v.close();
    }
  });

  test('every allowed algorithm of the issuer verifies; issuedAt defaults to now', async () => {
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(idp)],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
        const before = Date.now();
        const id = await v.verify(await idp.sign({ sub: alg, aud: AUD, iat: undefined }, { alg }));
        assert.equal(id.subject, `corp:${alg}`);
        assert.ok(id.issuedAt >= before && id.issuedAt <= Date.now());
      }
    } finally {
      v.close();
    }
  });

  test('groups by dot path or as a separated string; scopes from scp; user claim configurable', async () => {
    const v = createTokenVerifier({
      issuers: [
        issuerConfigFor(idp, { groupsClaim: 'realm_access.roles', userClaim: 'email' }),
        issuerConfigFor({ issuer: `${idp.issuer}/other` }, { name: 'other' }),
      ],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      const a = await v.verify(
        await idp.sign({
          sub: 'a',
          aud: [AUD, 'x'],
          realm_access: { roles: ['admin'] },
          scp: ['r', 'w'],
          email: 'a@x',
        }),
      );
      assert.deepEqual([a.groups, a.scopes, a.user], [['admin'], ['r', 'w'], 'a@x']);
      const b = await v.verify(
        await idp.sign({ sub: 'b', aud: AUD, realm_access: { roles: 'ops, dba sre' } }),
      );
      assert.deepEqual(
        [b.groups, b.scopes, b.user, b.tokenId],
        [['ops', 'dba', 'sre'], [], undefined, undefined],
      );
    } finally {
      v.close();
    }
  });

  test("an issuer's own audiences replace the default ones (RFC 8707)", async () => {
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(idp, { audiences: ['api://custos'] })],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      assert.equal((await v.verify(await idp.sign({ sub: 'x', aud: 'api://custos' }))).subject, 'corp:x');
      await assert.rejects(v.verify(await idp.sign({ sub: 'x', aud: AUD })), AuthError);
    } finally {
      v.close();
    }
  });

  test('discovery and the JWKS are fetched once; a cached verify returns the same Identity', async () => {
    const fresh = await startTestIssuer();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(fresh)],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      const tokens = await Promise.all([1, 2, 3].map((n) => fresh.sign({ sub: `u${n}`, aud: AUD })));
      // Concurrent first calls share one discovery and one JWKS fetch.
      const ids = await Promise.all([...tokens, ...tokens].map((t) => v.verify(t)));
      assert.deepEqual(fresh.requests, { discovery: 1, jwks: 1 });
      assert.equal(ids[0], ids[3]);
      await fresh.close();
      // The issuer is gone: cached identities still answer, without a request.
      assert.equal(await v.verify(tokens[0] as string), ids[0]);
    } finally {
      v.close();
    }
  });

  test('jwksUri skips discovery', async () => {
    const fresh = await startTestIssuer();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(fresh, { jwksUri: fresh.jwksUri })],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      await v.verify(await fresh.sign({ sub: 'x', aud: AUD }));
      assert.deepEqual(fresh.requests, { discovery: 0, jwks: 1 });
    } finally {
      v.close();
      await fresh.close();
    }
  });

  test('a key rotated INTO the JWKS is accepted at once, with one refetch', async () => {
    const fresh = await startTestIssuer();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(fresh)],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      await v.verify(await fresh.sign({ sub: 'before', aud: AUD }));
      const kid = await fresh.rotate();
      const id = await v.verify(await fresh.sign({ sub: 'after', aud: AUD }, { kid }));
      assert.equal(id.subject, 'corp:after');
      assert.equal(fresh.requests.jwks, 2);
    } finally {
      v.close();
      await fresh.close();
    }
  });

  test('unknown kids refetch the JWKS at most once per interval', async () => {
    const fresh = await startTestIssuer();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(fresh)],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      await v.verify(await fresh.sign({ sub: 'x', aud: AUD }));
      const forged = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fresh.sign({ sub: 'x', aud: AUD }, { header: { kid: `nope-${i}` } }),
        ),
      );
      for (const token of forged) await assert.rejects(v.verify(token), AuthError);
      await Promise.all(forged.map((t) => assert.rejects(v.verify(`${t}x`), AuthError)));
      assert.equal(fresh.requests.jwks, 2);
    } finally {
      v.close();
      await fresh.close();
    }
  });

  test('a key rotated OUT is refused after the refetch, and identities it vouched for leave the cache', async () => {
    const fresh = await startTestIssuer();
    const cache = new TokenCache();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(fresh)],
      clockSkewSeconds: 60,
      audiences: [AUD],
      cache,
    });
    try {
      const oldKid = fresh.keys[0]?.kid as string;
      const oldToken = await fresh.sign({ sub: 'old', aud: AUD });
      await v.verify(oldToken);
      assert.equal(cache.size, 1);
      const newKid = await fresh.rotate();
      fresh.retire(oldKid);
      await v.verify(await fresh.sign({ sub: 'new', aud: AUD }, { kid: newKid }));
      assert.equal(cache.get(oldToken, Date.now()), undefined);
      await assert.rejects(v.verify(oldToken), AuthError);
      await assert.rejects(v.verify(await fresh.sign({ sub: 'old2', aud: AUD }, { kid: oldKid })), AuthError);
    } finally {
      v.close();
      await fresh.close();
    }
  });

  test('clock skew is bounded (no sleeping: times are signed in the past or future)', async () => {
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(idp)],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    const strict = createTokenVerifier({
      issuers: [issuerConfigFor(idp)],
      clockSkewSeconds: 0,
      audiences: [AUD],
    });
    try {
      const t = now();
      const within = [{ exp: t - 30, iat: t - 600 }, { nbf: t + 30 }, { iat: t + 30 }];
      const beyond = [{ exp: t - 90, iat: t - 600 }, { nbf: t + 90 }, { iat: t + 90 }];
      for (const times of within) {
        const token = await idp.sign({ sub: 'x', aud: AUD, ...times });
        assert.equal((await v.verify(token)).subject, 'corp:x', JSON.stringify(times));
      }
      for (const times of beyond) {
        await assert.rejects(v.verify(await idp.sign({ sub: 'x', aud: AUD, ...times })), AuthError);
      }
      await assert.rejects(strict.verify(await idp.sign({ sub: 'x', aud: AUD, exp: t - 1 })), AuthError);
      await assert.rejects(strict.verify(await idp.sign({ sub: 'x', aud: AUD, nbf: t + 5 })), AuthError);
    } finally {
      v.close();
      strict.close();
    }
  });

  test('a token inside the skew after exp is accepted but not cached past exp', async () => {
    const cache = new TokenCache();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(idp)],
      clockSkewSeconds: 60,
      audiences: [AUD],
      cache,
    });
    try {
      const token = await idp.sign({ sub: 'late', aud: AUD, exp: now() - 5 });
      await v.verify(token);
      assert.equal(cache.size, 0);
    } finally {
      v.close();
    }
  });

  test('an issuer that cannot be reached refuses, and the refusal is not remembered', async () => {
    const gone = await startTestIssuer();
    const token = await gone.sign({ sub: 'x', aud: AUD });
    await gone.close();
    const cache = new TokenCache();
    const v = createTokenVerifier({
      issuers: [issuerConfigFor(gone)],
      clockSkewSeconds: 60,
      audiences: [AUD],
      cache,
    });
    try {
      await assert.rejects(
        v.verify(token),
        (err: unknown) => err instanceof AuthError && /failed/.test(err.reason),
      );
      assert.equal(cache.failureCount, 0);
    } finally {
      v.close();
    }
  });

  test('a discovery document naming another issuer is not trusted (OIDC Discovery §4.3)', async () => {
    // Configured with a trailing slash: the same document is fetched, but its issuer differs.
    const slashed = `${idp.issuer}/`;
    const v = createTokenVerifier({
      issuers: [issuerConfigFor({ issuer: slashed })],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
    try {
      await assert.rejects(
        v.verify(await idp.sign({ sub: 'x', aud: AUD, iss: slashed })),
        (err: unknown) => err instanceof AuthError && /issuer does not match/.test(err.reason),
      );
    } finally {
      v.close();
    }
  });

  test('configuration mistakes fail at construction', () => {
    const base = { clockSkewSeconds: 60, audiences: [AUD] };
    const hs = issuerConfigFor(idp, { algorithms: ['HS256' as 'RS256'] });
    assert.throws(() => createTokenVerifier({ ...base, issuers: [hs] }), /HS256/);
    assert.throws(
      () => createTokenVerifier({ ...base, audiences: [], issuers: [issuerConfigFor(idp)] }),
      /audience/,
    );
    assert.throws(
      () =>
        createTokenVerifier({
          ...base,
          issuers: [issuerConfigFor(idp), issuerConfigFor(idp, { name: 'b' })],
        }),
      /twice/,
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TokenCache } from '../../src/identity/token-cache.ts';
import type { Identity } from '../../src/identity/types.ts';
import { fakeIdentity } from '../helpers/identity.ts';

const T0 = 1_800_000_000_000;

function identity(expiresAt: number, subject = 'corp:x'): Identity {
  return fakeIdentity({ subject, issuer: subject.split(':')[0] as string, issuedAt: T0, expiresAt });
}

test('an entry lives until exp and never past it', () => {
  const cache = new TokenCache();
  const id = identity(T0 + 1000);
  cache.set('t', id, T0);
  assert.equal(cache.get('t', T0 + 999), id);
  assert.equal(cache.get('t', T0 + 1000), undefined);
  assert.equal(cache.size, 0);
});

test('an already expired identity is not stored; neither is one with no finite expiry', () => {
  const cache = new TokenCache();
  cache.set('a', identity(T0), T0);
  cache.set('b', identity(Number.POSITIVE_INFINITY), T0);
  cache.set('c', identity(Number.NaN), T0);
  assert.equal(cache.size, 0);
});

test('bounded by entries: the oldest goes first', () => {
  const cache = new TokenCache({ maxEntries: 3 });
  for (const t of ['a', 'b', 'c', 'd']) cache.set(t, identity(T0 + 1000), T0);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('a', T0), undefined);
  assert.ok(cache.get('d', T0));
});

test('bounded by total token length', () => {
  const cache = new TokenCache({ maxChars: 10 });
  cache.set('aaaa', identity(T0 + 1000), T0);
  cache.set('bbbb', identity(T0 + 1000), T0);
  cache.set('cccc', identity(T0 + 1000), T0);
  assert.deepEqual(
    ['aaaa', 'bbbb', 'cccc'].map((t) => cache.get(t, T0) !== undefined),
    [false, true, true],
  );
  cache.set('x'.repeat(11), identity(T0 + 1000), T0);
  assert.equal(cache.get('x'.repeat(11), T0), undefined);
});

test('failures are kept briefly, apart from successes, and never evict them', () => {
  const cache = new TokenCache({ maxEntries: 2, maxFailures: 2, failureTtlMs: 100 });
  cache.set('good', identity(T0 + 10_000), T0);
  for (let i = 0; i < 50; i++) cache.setFailure(`bad${i}`, 'nope', T0);
  assert.equal(cache.failureCount, 2);
  assert.ok(cache.get('good', T0));
  assert.equal(cache.getFailure('bad49', T0 + 99), 'nope');
  assert.equal(cache.getFailure('bad49', T0 + 100), undefined);
  // A later success for a token replaces its failure.
  cache.setFailure('flaky', 'jwks down', T0);
  cache.set('flaky', identity(T0 + 10_000), T0);
  assert.equal(cache.getFailure('flaky', T0), undefined);
});

test('deleteWhere drops one issuer', () => {
  const cache = new TokenCache();
  cache.set('a', identity(T0 + 1000, 'corp:a'), T0);
  cache.set('b', identity(T0 + 1000, 'gha:b'), T0);
  assert.equal(
    cache.deleteWhere((id) => id.issuer === 'corp'),
    1,
  );
  assert.equal(cache.get('a', T0), undefined);
  assert.ok(cache.get('b', T0));
});

test('property: size and length bounds hold and nothing is returned past its exp', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: -50, max: 200 }), fc.nat(100)),
        {
          maxLength: 200,
        },
      ),
      (ops) => {
        const cache = new TokenCache({ maxEntries: 16, maxChars: 64 });
        let now = T0;
        for (const [token, ttl, step] of ops) {
          now += step;
          cache.set(token, identity(now + ttl), now);
          assert.ok(cache.size <= 16);
          const hit = cache.get(token, now);
          if (hit !== undefined) assert.ok(hit.expiresAt > now);
        }
      },
    ),
  );
});

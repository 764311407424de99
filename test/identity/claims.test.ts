import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  githubActionsAttributes,
  kubernetesAttributes,
  parseGroups,
  parseScopes,
  readClaim,
} from '../../src/identity/claims.ts';

test('readClaim walks own properties only, and prefers a literal dotted name', () => {
  const claims = {
    realm_access: { roles: ['a'] },
    'https://example.com/groups': ['g'],
    'kubernetes.io': { namespace: 'n' },
  };
  assert.deepEqual(readClaim(claims, 'realm_access.roles'), ['a']);
  assert.deepEqual(readClaim(claims, 'https://example.com/groups'), ['g']);
  assert.equal(readClaim(claims, 'kubernetes.io.namespace'), undefined);
  assert.equal(readClaim(claims, 'constructor'), undefined);
  assert.equal(readClaim(claims, 'realm_access.__proto__'), undefined);
  assert.equal(readClaim(claims, 'realm_access.roles.length'), undefined);
});

test('groups: arrays keep strings, strings split on spaces and commas', () => {
  assert.deepEqual(parseGroups(['a', 1, null, 'b', 'a', '']), ['a', 'b']);
  assert.deepEqual(parseGroups(' a,b  c,,d '), ['a', 'b', 'c', 'd']);
  assert.deepEqual(parseGroups({ a: 1 }), []);
  assert.deepEqual(parseGroups(undefined), []);
});

test('scopes from scope (string) or scp (array or string)', () => {
  assert.deepEqual(parseScopes({ scope: 'a  b' }), ['a', 'b']);
  assert.deepEqual(parseScopes({ scp: ['a', 'b'] }), ['a', 'b']);
  assert.deepEqual(parseScopes({ scp: 'User.Read Mail.Send' }), ['User.Read', 'Mail.Send']);
  assert.deepEqual(parseScopes({}), []);
});

test('kubernetes attributes ignore non-string values', () => {
  assert.deepEqual(
    kubernetesAttributes({
      sub: 'system:serviceaccount:ns:sa',
      'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa' }, pod: { name: 7 } },
    }),
    { namespace: 'ns', serviceaccount: 'sa' },
  );
});

test('github attributes take strings (and numbers) only', () => {
  assert.deepEqual(githubActionsAttributes({ repository: 'o/r', run_id: 42, ref: { x: 1 }, sha: 'abc' }), {
    repository: 'o/r',
    run_id: '42',
  });
});

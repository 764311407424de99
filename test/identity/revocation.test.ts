import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createRevocationView } from '../../src/identity/revocation.ts';
import type { Identity, Revocation } from '../../src/identity/types.ts';
import { openSqliteStore, type Store } from '../../src/store/index.ts';
import { eventually } from '../helpers/handler-server.ts';
import { fakeIdentity } from '../helpers/identity.ts';

const opened: Store[] = [];
after(async () => {
  for (const s of opened) await s.close();
});

/** Two handles on one SQLite file: like the CLI and a running gateway in separate processes. */
function twoHandles(): { admin: Store; gateway: Store } {
  const path = join(mkdtempSync(join(tmpdir(), 'custos-rev-')), 'custos.db');
  const admin = openSqliteStore({ path });
  const gateway = openSqliteStore({ path });
  opened.push(admin, gateway);
  return { admin, gateway };
}

function identity(over: Partial<Identity> = {}): Identity {
  return fakeIdentity({
    subject: 'custos:ci-nightly',
    method: 'gateway',
    issuer: 'custos',
    tokenId: 'jti-1',
    ...over,
  });
}

test('issued tokens are recorded and listed without the token itself', () => {
  const { admin, gateway } = twoHandles();
  const now = Date.now();
  admin.recordIssuedToken({
    jti: 'jti-1',
    subject: 'custos:ci-nightly',
    groups: ['reporting'],
    scopes: ['crm'],
    issuedAt: now,
    expiresAt: now + 3_600_000,
    revokedAt: null,
    description: 'nightly export',
  });
  const [t] = gateway.listIssuedTokens();
  assert.deepEqual(t, {
    jti: 'jti-1',
    subject: 'custos:ci-nightly',
    groups: ['reporting'],
    scopes: ['crm'],
    issuedAt: now,
    expiresAt: now + 3_600_000,
    revokedAt: null,
    description: 'nightly export',
  });
  assert.equal(gateway.listIssuedTokens({ subject: 'custos:other' }).length, 0);
});

test('a token revoked through another handle is seen within a second, and announced', async () => {
  const { admin, gateway } = twoHandles();
  const now = Date.now();
  admin.recordIssuedToken({
    jti: 'jti-1',
    subject: 'custos:ci-nightly',
    groups: [],
    scopes: [],
    issuedAt: now,
    expiresAt: now + 60_000,
    revokedAt: null,
    description: null,
  });
  const view = createRevocationView(gateway, { pollMs: 200 });
  try {
    const seen: Revocation[] = [];
    view.onRevoked((r) => seen.push(r));
    const who = identity({ tokenId: 'jti-1' });
    assert.equal(view.isRevoked(who), false);

    const at = Date.now();
    admin.addRevocation({ kind: 'token', value: 'jti-1', at, reason: 'leaked' });
    const tookMs = await eventually(() => view.isRevoked(who), 1000, 'the revocation');
    assert.ok(tookMs < 1000);
    assert.deepEqual(seen, [{ kind: 'token', tokenId: 'jti-1', at }]);
    assert.equal(view.isRevoked(identity({ tokenId: 'jti-2' })), false);
    // The issued-token row is stamped in the same transaction.
    assert.equal(gateway.getIssuedToken('jti-1')?.revokedAt, at);
  } finally {
    view.close();
  }
});

test('a subject revocation ends older tokens, not ones issued after it', () => {
  const { admin, gateway } = twoHandles();
  const at = Date.now();
  admin.addRevocation({ kind: 'subject', value: 'custos:ci-nightly', at });
  const view = createRevocationView(gateway);
  try {
    assert.equal(view.isRevoked(identity({ tokenId: 'a', issuedAt: at - 5000 })), true);
    assert.equal(view.isRevoked(identity({ tokenId: 'b', issuedAt: at })), true);
    assert.equal(view.isRevoked(identity({ tokenId: 'c', issuedAt: at + 1000 })), false);
    assert.equal(view.isRevoked(identity({ subject: 'custos:other', issuedAt: at - 5000 })), false);
  } finally {
    view.close();
  }
});

test('revocations persist: a view opened later starts with them', () => {
  const { admin } = twoHandles();
  admin.addRevocation({ kind: 'token', value: 'jti-9', at: Date.now() });
  admin.addRevocation({ kind: 'user', value: 'bob', at: Date.now() });
  const view = createRevocationView(admin);
  try {
    assert.equal(view.isRevoked(identity({ tokenId: 'jti-9' })), true);
    assert.equal(view.isRevoked(identity({ tokenId: undefined, user: 'Bob' })), true);
    assert.deepEqual(
      admin.revocationsSince(0).map((r) => [r.seq, r.kind, r.value]),
      [
        [1, 'token', 'jti-9'],
        [2, 'user', 'bob'],
      ],
    );
    assert.deepEqual(
      admin.revocationsSince(1).map((r) => r.value),
      ['bob'],
    );
  } finally {
    view.close();
  }
});

test('a lifted user revocation lets the user back in', async () => {
  const { admin, gateway } = twoHandles();
  admin.addRevocation({ kind: 'user', value: 'alice', at: Date.now() });
  const view = createRevocationView(gateway, { pollMs: 20 });
  try {
    const alice = identity({ user: 'alice', subject: 'corp:alice' });
    assert.equal(view.isRevoked(alice), true);
    assert.equal(admin.isUserRevoked('alice'), true);
    admin.addRevocation({ kind: 'user', value: 'alice', at: Date.now(), action: 'lift' });
    await eventually(() => !view.isRevoked(alice), 1000, 'the lift');
    assert.equal(admin.isUserRevoked('alice'), false);
  } finally {
    view.close();
  }
});

test('the in-memory store offers the same', () => {
  const store = openSqliteStore({ path: ':memory:' });
  opened.push(store);
  store.addRevocation({ kind: 'token', value: 'jti-m', at: Date.now() });
  const view = createRevocationView(store);
  try {
    assert.equal(view.isRevoked(identity({ tokenId: 'jti-m' })), true);
  } finally {
    view.close();
  }
});

import type { Identity } from '../../src/identity/types.ts';

/** A verified-looking identity for tests that need one without a token: an OIDC person by default. */
export function fakeIdentity(over: Partial<Identity> = {}): Identity {
  const now = Date.now();
  return {
    subject: 'corp:someone',
    method: 'oidc',
    issuer: 'corp',
    user: undefined,
    groups: [],
    scopes: [],
    attributes: {},
    audiences: [],
    tokenId: undefined,
    issuedAt: now - 1000,
    expiresAt: now + 3_600_000,
    ...over,
  };
}

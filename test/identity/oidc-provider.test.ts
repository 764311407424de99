import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { createTokenVerifier } from '../../src/identity/verify.ts';
import { issuerConfigFor } from '../helpers/issuer.ts';

// A real OpenID provider (panva/oidc-provider): a client_credentials grant with a resource
// indicator (RFC 8707) yields a JWT access token (RFC 9068) for the gateway's resource URL, and
// the verifier accepts it — discovery and JWKS from the provider itself, groups mapped.

const RESOURCE = 'https://custos.example/mcp';

test('a JWT access token from oidc-provider (client_credentials + resource indicator) is accepted', async () => {
  // The issuer URL must be known before the provider exists, so listen first and hand over after.
  let handler:
    | ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)
    | undefined;
  const server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'op-es256', alg: 'ES256', use: 'sig' }] },
    clients: [
      {
        client_id: 'nightly-agent',
        client_secret: 'a-test-secret-that-is-long-enough',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        // The provider holds only an ES256 key, so the client's defaults must say so.
        id_token_signed_response_alg: 'ES256',
        scope: 'mcp:read mcp:write',
      },
    ],
    scopes: ['mcp:read', 'mcp:write'],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== RESOURCE) throw new Error('unknown resource');
          return {
            scope: 'mcp:read mcp:write',
            audience: RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    extraTokenClaims: () => ({ groups: ['agents', 'nightly'] }),
  });
  handler = provider.callback();

  const verifier = createTokenVerifier({
    issuers: [issuerConfigFor({ issuer }, { name: 'op', algorithms: ['ES256'] })],
    clockSkewSeconds: 60,
    audiences: [RESOURCE],
  });
  try {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('nightly-agent:a-test-secret-that-is-long-enough').toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, scope: 'mcp:read' }),
    });
    const body = (await res.json()) as { access_token?: string; token_type?: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    const token = body.access_token as string;
    assert.equal(token.split('.').length, 3, 'a JWT access token');

    const id = await verifier.verify(token);
    assert.equal(id.subject, 'op:nightly-agent');
    assert.equal(id.method, 'oidc');
    assert.deepEqual(id.groups, ['agents', 'nightly']);
    assert.deepEqual(id.scopes, ['mcp:read']);
    assert.ok(id.tokenId !== undefined && id.tokenId.length > 0);
    assert.ok(id.expiresAt - Date.now() <= 300_000 && id.expiresAt > Date.now());

    // The same provider's token for another audience is refused here.
    const other = createTokenVerifier({
      issuers: [issuerConfigFor({ issuer }, { name: 'op', algorithms: ['ES256'] })],
      clockSkewSeconds: 60,
      audiences: ['https://another.example/mcp'],
    });
    await assert.rejects(other.verify(token));
    other.close();
  } finally {
    verifier.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

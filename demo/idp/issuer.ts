import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

// The demo identity provider: a real OIDC issuer as far as a resource server can tell (discovery
// document and JWKS over HTTP, ES256-signed JWT access tokens), with fixed fake personas instead
// of a login page. Two issuers on one server: people at /, a CI system (GitHub Actions style
// workload tokens) at /ci.

export interface Persona {
  readonly name: string;
  readonly issuer: 'people' | 'ci';
  readonly sub: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly description: string;
}

export const PERSONAS: readonly Persona[] = [
  {
    name: 'alice',
    issuer: 'people',
    sub: 'u-alice-0001',
    claims: { preferred_username: 'alice', groups: ['support'], scope: 'crm' },
    description: 'alice, in the support group',
  },
  {
    name: 'bob',
    issuer: 'people',
    sub: 'u-bob-0002',
    claims: { preferred_username: 'bob', groups: ['contractors'], scope: 'crm' },
    description: 'bob, an external contractor',
  },
  {
    name: 'ci',
    issuer: 'ci',
    sub: 'repo:example-org/reporting:ref:refs/heads/main',
    claims: {
      repository: 'example-org/reporting',
      repository_owner: 'example-org',
      ref: 'refs/heads/main',
      workflow: 'nightly-export',
      run_id: '1001',
      scope: 'crm',
    },
    description: 'the nightly reporting job in CI (a workload token: no stored secret)',
  },
];

export interface DemoIssuer {
  /** `iss` of people's tokens. */
  readonly peopleIssuer: string;
  /** `iss` of CI workload tokens. */
  readonly ciIssuer: string;
  /** A fresh token for a persona, for `audience`, valid `ttlSeconds`. */
  mint(persona: Persona, audience: string, ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startDemoIssuer(opts: { host?: string; port?: number } = {}): Promise<DemoIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const jwks = JSON.stringify({ keys: [jwk] });

  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const prefix = path.startsWith('/ci/') ? '/ci' : '';
    const rest = path.slice(prefix.length);
    const issuer = `${base}${prefix}`;
    if (req.method === 'GET' && rest === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/jwks`,
          id_token_signing_alg_values_supported: ['ES256'],
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
        }),
      );
      return;
    }
    if (req.method === 'GET' && rest === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((r) => http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  const base = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    peopleIssuer: base,
    ciIssuer: `${base}/ci`,
    mint(persona, audience, ttlSeconds = 8 * 3600) {
      return new SignJWT({ ...persona.claims })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setIssuer(persona.issuer === 'ci' ? `${base}/ci` : base)
        .setSubject(persona.sub)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

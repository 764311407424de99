import { sign as cryptoSign, KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { IssuerConfig } from '../../src/config/schema.ts';

// A small OIDC issuer for tests: discovery and JWKS over real HTTP on 127.0.0.1, keys that can be
// rotated in and retired out, and a `sign` that can produce any token an attacker could, too.

export type TestAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: CryptoKey | KeyObject;
  readonly publicJwk: JWK;
}

export interface SignOptions {
  /** Which key signs (default: the newest key of `alg`, or the newest key). */
  readonly kid?: string;
  readonly alg?: TestAlgorithm;
  /** Extra or overriding protected-header parameters (`jku`, `crit`, `kid` …). */
  readonly header?: Record<string, unknown>;
}

export interface TestIssuer {
  /** The `iss` value and base URL, e.g. `http://127.0.0.1:41234`. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Every key ever made, retired ones included (they can still sign). */
  readonly keys: readonly TestKey[];
  /** Requests served so far, by document. */
  readonly requests: { discovery: number; jwks: number };
  /**
   * Signs `claims` as a JWT. `iss`, `iat` and `exp` (now + 5 min) are filled in unless the claims
   * name them; name one as `undefined` to leave it out.
   */
  sign(claims: Record<string, unknown>, opts?: SignOptions): Promise<string>;
  /** Adds a new key to the JWKS (it becomes the default signer) and returns its kid. */
  rotate(alg?: TestAlgorithm): Promise<string>;
  /** Adds a key made elsewhere (an odd size, a foreign algorithm) to the JWKS. */
  publish(key: TestKey): void;
  /** Removes a key from the JWKS; it can still sign, as a leaked or stale key would. */
  retire(kid: string): void;
  close(): Promise<void>;
}

export async function makeTestKey(alg: TestAlgorithm): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export async function startTestIssuer(
  opts: { algorithms?: readonly TestAlgorithm[] } = {},
): Promise<TestIssuer> {
  const keys: TestKey[] = [];
  for (const alg of opts.algorithms ?? ['RS256']) keys.push(await makeTestKey(alg));
  const published = new Set(keys.map((k) => k.kid));
  const requests = { discovery: 0, jwks: 0 };

  const server: Server = createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      requests.discovery++;
      send({
        issuer,
        jwks_uri: jwksUri,
        id_token_signing_alg_values_supported: opts.algorithms ?? ['RS256'],
      });
    } else if (req.url === '/jwks') {
      requests.jwks++;
      send({ keys: keys.filter((k) => published.has(k.kid)).map((k) => k.publicJwk) });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwksUri = `${issuer}/jwks`;

  function publish(key: TestKey): void {
    keys.push(key);
    published.add(key.kid);
  }

  function pick(sign: SignOptions): TestKey {
    const candidates = keys.filter(
      (k) => (sign.kid === undefined || k.kid === sign.kid) && (sign.alg === undefined || k.alg === sign.alg),
    );
    const key = candidates.at(-1);
    if (key === undefined) throw new Error(`test issuer: no key for ${JSON.stringify(sign)}`);
    return key;
  }

  return {
    issuer,
    jwksUri,
    keys,
    requests,
    async sign(claims, signOpts = {}) {
      const key = pick(signOpts);
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: issuer, iat: now, exp: now + 300, ...claims };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...signOpts.header })
        .sign(key.privateKey);
    },
    async rotate(alg) {
      const key = await makeTestKey(alg ?? keys.at(-1)?.alg ?? 'RS256');
      publish(key);
      return key.kid;
    },
    publish,
    retire(kid) {
      published.delete(kid);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Signs a compact JWS with node:crypto directly, bypassing jose's own sanity checks (which refuse
 * to produce, say, an unknown `crit` or a 1024-bit RSA signature) — to build what an attacker can.
 */
export function signRaw(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: TestKey,
): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc(header)}.${enc(claims)}`;
  const privateKey = key.privateKey instanceof KeyObject ? key.privateKey : KeyObject.from(key.privateKey);
  const digest = { RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', ES384: 'sha384', EdDSA: null }[key.alg];
  const options = key.alg.startsWith('ES')
    ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
    : key.alg === 'PS256'
      ? { key: privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }
      : privateKey;
  return `${input}.${cryptoSign(digest, Buffer.from(input), options).toString('base64url')}`;
}

/** A server that counts every request it gets: proof that a `jku` or `x5u` was never followed. */
export async function startRecordingServer(): Promise<{
  url: string;
  hits: string[];
  close(): Promise<void>;
}> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An issuer entry as the config schema would produce it, pointing at a test issuer. */
export function issuerConfigFor(
  issuer: Pick<TestIssuer, 'issuer'>,
  overrides: Partial<IssuerConfig> = {},
): IssuerConfig {
  return {
    name: 'corp',
    kind: 'oidc',
    issuer: issuer.issuer,
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    groupsClaim: 'groups',
    userClaim: 'preferred_username',
    ...overrides,
  };
}

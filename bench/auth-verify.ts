import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { GATEWAY_TOKEN_AUDIENCE, GATEWAY_TOKEN_ISSUER } from '../src/identity/claims.ts';
import { createTokenVerifier } from '../src/identity/verify.ts';
import { issuerConfigFor, startTestIssuer, type TestAlgorithm } from '../test/helpers/issuer.ts';

// What authentication costs per call: a cached verify (the hot path: one Map lookup behind an
// async call; budget 20 µs) and an uncached one (signature + claims), per algorithm, against a
// baseline measured in the same run: an empty async call awaited the same way.
// Run: node --import tsx bench/auth-verify.ts

const AUD = 'https://custos.example/mcp';
const CACHED_CALLS = 200_000;
const BATCH = 1_000;
const UNCACHED_TOKENS = 1_000;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const fmt = (n: number) => n.toFixed(2).padStart(8);

async function perBatch(calls: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let done = 0; done < calls; done += BATCH) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) await fn();
    samples.push(((performance.now() - start) * 1000) / BATCH);
  }
  return samples.sort((a, b) => a - b);
}

async function perCall(tokens: string[], fn: (t: string) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (const token of tokens) {
    const start = performance.now();
    await fn(token);
    samples.push((performance.now() - start) * 1000);
  }
  return samples.sort((a, b) => a - b);
}

function row(name: string, samples: number[]): void {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  console.log(
    `${name.padEnd(34)} mean ${fmt(mean)} µs   p50 ${fmt(pct(samples, 0.5))} µs   p99 ${fmt(pct(samples, 0.99))} µs`,
  );
}

const algorithms: TestAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const idp = await startTestIssuer({ algorithms });
const gw = generateKeyPairSync('ed25519');
const verifier = createTokenVerifier({
  issuers: [issuerConfigFor(idp)],
  clockSkewSeconds: 60,
  audiences: [AUD],
  gatewayKey: { kid: 'gw', publicKey: gw.publicKey },
});

const claims = (i: number) => ({
  sub: `user-${i}`,
  aud: AUD,
  jti: `j-${i}`,
  groups: ['eng'],
  scope: 'mcp:read',
});
const signGateway = (i: number) =>
  new SignJWT({
    iss: GATEWAY_TOKEN_ISSUER,
    aud: GATEWAY_TOKEN_AUDIENCE,
    sub: `custos:svc-${i}`,
    jti: `g-${i}`,
    groups: [],
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'gw' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(gw.privateKey);

console.log(
  `auth-verify: Node ${process.version}, ${CACHED_CALLS} cached calls, ${UNCACHED_TOKENS} uncached tokens per case`,
);
const noop = async () => undefined;
row('baseline: empty async call', await perBatch(CACHED_CALLS, noop));

const cachedToken = await idp.sign(claims(0), { alg: 'RS256' });
await verifier.verify(cachedToken);
row('cached verify (any alg)', await perBatch(CACHED_CALLS, () => verifier.verify(cachedToken)));

for (const alg of algorithms) {
  const tokens = await Promise.all(
    Array.from({ length: UNCACHED_TOKENS }, (_, i) => idp.sign(claims(i + 1), { alg })),
  );
  await verifier.verify(tokens.pop() as string); // JWKS fetch and key import out of the way
  row(`uncached verify ${alg}`, await perCall(tokens, (t) => verifier.verify(t)));
}
const gatewayTokens = await Promise.all(Array.from({ length: UNCACHED_TOKENS }, (_, i) => signGateway(i)));
await verifier.verify(gatewayTokens.pop() as string);
row('uncached verify gateway EdDSA', await perCall(gatewayTokens, (t) => verifier.verify(t)));

verifier.close();
await idp.close();

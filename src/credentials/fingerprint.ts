import { scrypt, scryptSync } from 'node:crypto';

// A fingerprint tells an operator WHICH secret is in use (did the rotation land on every replica?)
// without revealing it. It must be the same across runs, replicas and the `credentials status`
// CLI, so it cannot be keyed by a per-process random key, and Custos has no deployment-wide
// secret it could key an HMAC with under `auth.mode: none`. So it is public and deterministic:
//
//   8 hex chars = the first 32 bits of scrypt(value, fixed salt, N=2^14, r=8, p=1)
//
// Why that reveals nothing useful:
// - 32 bits cannot identify a secret, only confirm a guess: for an upstream API key or token
//   (≥ 128 bits of entropy) each fingerprint has ≥ 2^96 preimages among possible keys, so it
//   narrows nothing an attacker could search.
// - The one real risk is a weak secret (a short password): anyone holding the fingerprint could
//   test guesses offline. scrypt makes each guess cost ~16 MB and tens of ms instead of a
//   nanosecond SHA-256, and 2^-32 false-positive odds mean the fingerprint still only filters
//   candidates, it never confirms one online.
// - The fixed, Custos-specific salt separates it from any other hash of the same value (a
//   published SHA-256 of a leaked key does not match it).
const SALT = 'custos/upstream-credential-fingerprint/v1';
const PARAMS = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const BYTES = 4;

/** For boot: sources are ready (with their version) when they are created. */
export function fingerprintSync(value: string): string {
  return scryptSync(value, SALT, BYTES, PARAMS).toString('hex');
}

/** For rotation: keeps the event loop free while requests are being served. */
export function fingerprint(value: string): Promise<string> {
  return new Promise((resolve, reject) => {
    scrypt(value, SALT, BYTES, PARAMS, (err, key) => (err ? reject(err) : resolve(key.toString('hex'))));
  });
}

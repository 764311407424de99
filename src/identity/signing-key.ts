import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { loadOrCreateEd25519KeyFile } from '../core/ed25519-key-file.ts';
import { jose } from './jose.ts';

// The gateway's own Ed25519 signing key (RFC 8037), kept as a private JWK in one file
// (src/core/ed25519-key-file.ts: created 0600 and atomically). The private half is never logged,
// never returned in an error and never leaves this process.

/** Why the key file cannot be used; the message names the file, never its content. */
export { KeyFileError as SigningKeyError } from '../core/ed25519-key-file.ts';

export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256) of the public key. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK with kid, alg and use, as a JWKS would list it. */
  readonly publicJwk: JWK;
}

/** Loads the key from `file`, creating it (mode 0600, atomically) when missing. */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await loadOrCreateEd25519KeyFile(file, 'the signing key');
  const pub = publicKey.export({ format: 'jwk' });
  const base: JWK = { kty: 'OKP', crv: 'Ed25519', x: pub.x as string };
  const kid = await (await jose()).calculateJwkThumbprint(base, 'sha256');
  return Object.freeze({
    kid,
    privateKey,
    publicKey,
    publicJwk: Object.freeze({ ...base, kid, alg: 'EdDSA', use: 'sig' }),
  });
}

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { createPrivateFileOnce, KeyFileError, readPrivateFile } from './key-file.ts';

// An Ed25519 private key kept as a JWK ({"kty":"OKP","crv":"Ed25519","x":…,"d":…}, RFC 8037) in
// one file of its own, created on first use (src/core/key-file.ts). The gateway's token signing key
// and the audit log's checkpoint key both live this way. The private half is never logged, never quoted in an
// error and never leaves the process.

export interface Ed25519KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Why a key file cannot be used; the message names the file, never its content. */
export { KeyFileError };

/**
 * Loads the key from `file`, creating it (mode 0600, atomically) when missing. `label` names
 * the key in errors ("the signing key", "the audit key").
 */
export async function loadOrCreateEd25519KeyFile(file: string, label: string): Promise<Ed25519KeyPair> {
  let text: string;
  try {
    text = readPrivateFile(file, label);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    createPrivateFileOnce(file, `${JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d })}\n`);
    text = readPrivateFile(file, label);
  }
  return parseKeyFile(file, label, text);
}

function parseKeyFile(file: string, label: string, text: string): Ed25519KeyPair {
  let privateKey: KeyObject;
  try {
    const jwk = JSON.parse(text) as { kty?: unknown; crv?: unknown; d?: unknown };
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string')
      throw new Error('not Ed25519');
    privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    // The parse error could quote the key material; say only what is wrong.
    throw new KeyFileError(
      `${file}: ${label} is not an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","x":…,"d":…})`,
    );
  }
  return Object.freeze({ privateKey, publicKey: createPublicKey(privateKey) });
}

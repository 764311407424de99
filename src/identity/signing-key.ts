import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';

// The gateway's own Ed25519 signing key (RFC 8037), kept as a private JWK in one file. The
// private half is never logged, never returned in an error and never leaves this process.

export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256) of the public key. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK with kid, alg and use, as a JWKS would list it. */
  readonly publicJwk: JWK;
}

/** Why the key file cannot be used; the message names the file, never its content. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** Loads the key from `file`, creating it (mode 0600, atomically) when missing. */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  let text: string;
  try {
    text = await readKeyFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await createKeyFile(file);
    text = await readKeyFile(file);
  }
  return parseKey(file, text);
}

async function readKeyFile(file: string): Promise<string> {
  const st = await stat(file);
  if (!st.isFile()) throw new SigningKeyError(`${file}: the signing key must be a regular file`);
  // POSIX permissions only; Windows reports synthetic modes.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new SigningKeyError(
      `${file}: the signing key is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  }
  return readFile(file, 'utf8');
}

/**
 * Writes a fresh key to a temporary file (0600 from the first byte, fsynced) and links it into
 * place: link(2) fails if the name exists, so two processes starting at once both end up with
 * whichever key won, and a crash never leaves a half-written key under the real name.
 */
async function createKeyFile(file: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
}

async function parseKey(file: string, text: string): Promise<SigningKey> {
  let jwk: JWK;
  let privateKey: KeyObject;
  try {
    jwk = JSON.parse(text) as JWK;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string')
      throw new Error('not Ed25519');
    privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    // The parse error could quote the key material; say only what is wrong.
    throw new SigningKeyError(
      `${file}: not an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","x":…,"d":…})`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  const pub = publicKey.export({ format: 'jwk' });
  const base: JWK = { kty: 'OKP', crv: 'Ed25519', x: pub.x as string };
  const kid = await calculateJwkThumbprint(base, 'sha256');
  return Object.freeze({
    kid,
    privateKey,
    publicKey,
    publicJwk: Object.freeze({ ...base, kid, alg: 'EdDSA', use: 'sig' }),
  });
}

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

// An Ed25519 private key kept as a JWK ({"kty":"OKP","crv":"Ed25519","x":…,"d":…}, RFC 8037) in
// one file of its own, created on first use. The gateway's token signing key and the audit
// log's checkpoint key both live this way. The private half is never logged, never quoted in an
// error and never leaves the process.

export interface Ed25519KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Why a key file cannot be used; the message names the file, never its content. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/**
 * Loads the key from `file`, creating it (mode 0600, atomically) when missing. `label` names
 * the key in errors ("the signing key", "the audit key").
 */
export async function loadOrCreateEd25519KeyFile(file: string, label: string): Promise<Ed25519KeyPair> {
  let text: string;
  try {
    text = await readKeyFile(file, label);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await createKeyFile(file);
    text = await readKeyFile(file, label);
  }
  return parseKeyFile(file, label, text);
}

async function readKeyFile(file: string, label: string): Promise<string> {
  const st = await stat(file);
  if (!st.isFile()) throw new KeyFileError(`${file}: ${label} must be a regular file`);
  // POSIX permissions only; Windows reports synthetic modes.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${file}: ${label} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
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

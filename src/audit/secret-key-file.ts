import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KEY_BYTES } from './envelope.ts';

// A 32-byte secret key, hex, in a file of its own (mode 0600), created on first use: the audit's
// key encryption key (it wraps every data subject's key; losing it loses every raw copy, so back
// it up apart from the database) and the deployment's HMAC key for pseudonyms and the blind index
// (without a stable one, a data-subject search across restarts finds nothing).

export class SecretKeyFileError extends Error {
  override readonly name = 'SecretKeyFileError';
}

/** Loads the key in `file`, creating it when missing; `label` names it in errors. */
export function loadOrCreateSecretKey(file: string, label: string): Buffer {
  try {
    return readSecretKey(file, label);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Written to a temporary name (0600 from the first byte, fsynced) and linked into place:
  // link(2) fails when the name exists, so two processes starting at once agree on one key.
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readSecretKey(file, label);
}

function readSecretKey(file: string, label: string): Buffer {
  const st = statSync(file);
  if (!st.isFile()) throw new SecretKeyFileError(`${file}: ${label} must be a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new SecretKeyFileError(
      `${file}: ${label} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new SecretKeyFileError(`${file}: ${label} must be 64 hex digits`);
  return Buffer.from(text, 'hex');
}

import { randomBytes } from 'node:crypto';
import { createPrivateFileOnce, KeyFileError, readPrivateFile } from '../core/key-file.ts';
import { KEY_BYTES } from './envelope.ts';

// A 32-byte secret key, hex, in a file of its own (mode 0600), created on first use
// (src/core/key-file.ts): the audit's key encryption key (it wraps every data subject's key;
// losing it loses every raw copy, so back it up apart from the database) and the deployment's
// HMAC key for pseudonyms and the blind index (without a stable one, a data-subject search across
// restarts finds nothing).

/** Loads the key in `file`, creating it when missing; `label` names it in errors. */
export function loadOrCreateSecretKey(file: string, label: string): Buffer {
  let text: string;
  try {
    text = readPrivateFile(file, label);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    createPrivateFileOnce(file, `${randomBytes(KEY_BYTES).toString('hex')}\n`);
    text = readPrivateFile(file, label);
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new KeyFileError(`${file}: ${label} must be 64 hex digits`);
  return Buffer.from(hex, 'hex');
}

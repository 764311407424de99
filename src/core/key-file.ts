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

// A secret kept in a file of its own: readable only by its owner (0600), created on first use in
// a way that two processes starting at once end up with the same secret and a crash never leaves
// half of one under the real name. The gateway's token key, the audit's checkpoint key, its key
// encryption key and the HMAC key all live this way. Messages name the file, never its content.

/** Why a key file cannot be used; the message names the file, never its content. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/**
 * The file's text, after checking it is a regular file nobody but its owner can read. A missing
 * file throws the ENOENT error as it is, for the caller to create it.
 */
export function readPrivateFile(file: string, label: string): string {
  const st = statSync(file);
  if (!st.isFile()) throw new KeyFileError(`${file}: ${label} must be a regular file`);
  // POSIX permissions only; Windows reports synthetic modes.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${file}: ${label} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  }
  return readFileSync(file, 'utf8');
}

/**
 * Writes `content` to a temporary file (0600 from the first byte, fsynced) and links it into
 * place: link(2) fails if the name exists, so when two processes race, whichever linked first wins
 * and the other's content is dropped.
 */
export function createPrivateFileOnce(file: string, content: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
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
}

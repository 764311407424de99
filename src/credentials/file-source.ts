import { closeSync, type FSWatcher, fstatSync, openSync, readFileSync, type Stats, watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { credentialUnavailable } from './credential-error.ts';
import { fingerprint, fingerprintSync } from './fingerprint.ts';
import type { CredentialSource, CredentialSourceOptions, CredentialStatus } from './types.ts';

// A secret in a file, re-read when it changes, without a restart and without failing a call.
//
// Kubernetes mounts a Secret as `<dir>/..<timestamp>/<key>` files, a `<dir>/..data` symlink to
// the current timestamped directory and `<dir>/<key>` symlinks into `..data`. An update writes a
// new timestamped directory, points `..data_tmp` at it and renames that over `..data` (atomic),
// then removes the old directory. The configured path never changes and its own inode is never
// written, so watching the file itself sees nothing: Custos watches the DIRECTORY, and also polls
// because fs.watch is best-effort (network filesystems, a directory that is itself replaced).
// Until a new value has been read in full, the previous one keeps being served.

const DEBOUNCE_MS = 25;

/** What identifies the bytes read: the resolved file, its size and its mtime. */
function identityOf(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
}

/** A file written by `echo` or an editor ends in a newline that is not part of the secret. */
function trimOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'unreadable';
}

interface Current {
  value: string;
  version: string;
  updatedAt: number;
  identity: string;
}

export function createFileSource(
  server: string,
  file: string,
  opts: CredentialSourceOptions = {},
): CredentialSource {
  const log = opts.log ?? (() => {});
  let current: Current | undefined;
  let problem: string | undefined;
  let closed = false;
  let running = false;
  let again = false;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;

  const reportProblem = (reason: string): void => {
    if (reason === problem) return; // the poll would repeat it every second
    problem = reason;
    log(
      'warn',
      current
        ? 'upstream credential reload failed; serving the previous value'
        : 'upstream credential unavailable',
      {
        server,
        source: 'file',
        file,
        reason,
      },
    );
  };

  const install = (next: Current): void => {
    const rotated = current !== undefined && current.version !== next.version;
    current = next;
    if (problem !== undefined) log('info', 'upstream credential available', { server, source: 'file', file });
    problem = undefined;
    if (rotated)
      log('info', 'upstream credential rotated', { server, source: 'file', version: next.version });
  };

  // Boot: read synchronously so the source answers from its first call.
  try {
    const fd = openSync(file, 'r');
    let s: Stats;
    let value: string;
    try {
      s = fstatSync(fd);
      value = trimOneNewline(readFileSync(fd, 'utf8'));
    } finally {
      closeSync(fd);
    }
    if (value === '') reportProblem('empty');
    else
      install({
        value,
        version: `file:${fingerprintSync(value)}`,
        updatedAt: s.mtimeMs,
        identity: identityOf(s),
      });
  } catch (err) {
    reportProblem(`cannot read: ${errnoOf(err)}`);
  }

  async function readOnce(): Promise<void> {
    let s: Stats;
    try {
      s = await stat(file);
    } catch (err) {
      reportProblem(`cannot read: ${errnoOf(err)}`);
      return;
    }
    if (current && identityOf(s) === current.identity) {
      if (problem !== undefined) install(current); // the file is back as it was
      return;
    }
    // Stat and read through one handle, so the mtime and the bytes belong to the same file even
    // if `..data` is swapped again in between.
    let value: string;
    let fs: Stats;
    try {
      const fh = await open(file, 'r');
      try {
        fs = await fh.stat();
        value = trimOneNewline(await fh.readFile('utf8'));
      } finally {
        await fh.close();
      }
    } catch (err) {
      reportProblem(`cannot read: ${errnoOf(err)}`);
      return;
    }
    // An editor or a non-atomic writer truncates before writing: an empty read is a moment, not a secret.
    if (value === '') {
      reportProblem('empty');
      return;
    }
    if (current && value === current.value) {
      install({ ...current, updatedAt: fs.mtimeMs, identity: identityOf(fs) });
      return;
    }
    install({
      value,
      version: `file:${await fingerprint(value)}`,
      updatedAt: fs.mtimeMs,
      identity: identityOf(fs),
    });
  }

  /** One read at a time; events during a read cause one more read after it. */
  async function reload(): Promise<void> {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await readOnce();
      } while (again && !closed);
    } catch (err) {
      reportProblem(`reload failed: ${errnoOf(err)}`);
    } finally {
      running = false;
    }
  }

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void reload(), DEBOUNCE_MS);
    debounce.unref();
  };

  const startWatching = (): void => {
    if (watcher || closed) return;
    try {
      watcher = watch(dirname(file), { persistent: false }, schedule);
      watcher.on('error', () => {
        // The directory went away (or the platform gave up): the poll covers, and re-arms the watch.
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };

  startWatching();
  const poll = setInterval(() => {
    startWatching();
    void reload();
  }, opts.pollMs ?? 1000);
  poll.unref();

  return {
    get() {
      if (current) return current.value;
      throw credentialUnavailable(server, problem ?? 'not read yet');
    },
    status(): CredentialStatus {
      const st: CredentialStatus = {
        server,
        source: 'file',
        version: current?.version ?? 'none',
        updatedAt: current?.updatedAt ?? null,
        ok: current !== undefined,
      };
      if (problem !== undefined) st.error = problem;
      return st;
    },
    close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
      watcher = undefined;
    },
  };
}

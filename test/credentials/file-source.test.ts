import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { GatewayError } from '../../src/core/errors.ts';
import { createCredentialSource, fingerprintSync } from '../../src/credentials/index.ts';
import { mountSecret } from './k8s-mount.ts';
import { waitFor } from './wait.ts';

const FILE = { header: 'authorization', prefix: 'Bearer ' } as const;

test('a Kubernetes Secret mount: read at start, re-read after the ..data swap, no call fails meanwhile', async () => {
  const mount = mountSecret({ token: 'old-secret-value-1\n' });
  // A long poll interval: the directory watch must see the swap on its own.
  const src = createCredentialSource('crm', { ...FILE, file: mount.path('token') }, { pollMs: 60_000 });
  try {
    assert.equal(src.get({}), 'old-secret-value-1', 'one trailing newline trimmed');
    const before = src.status();
    assert.equal(before.ok, true);
    assert.equal(before.source, 'file');
    assert.equal(before.version, `file:${fingerprintSync('old-secret-value-1')}`);
    assert.match(before.version, /^file:[0-9a-f]{8}$/);

    // Calls keep coming while the kubelet swaps: every one gets the old or the new value.
    const seen: string[] = [];
    let failures = 0;
    let stop = false;
    const caller = (async () => {
      for (let i = 0; i < 200_000 && !stop; i++) {
        try {
          seen.push(src.get({}) as string);
        } catch {
          failures++;
        }
        await yieldLoop();
      }
    })();
    await yieldLoop();
    mount.update({ token: 'new-secret-value-2\n' });
    await waitFor(() => src.get({}) === 'new-secret-value-2', 5000, 'the new value');
    stop = true;
    await caller;

    assert.equal(failures, 0);
    assert.ok(seen.length > 0);
    assert.ok(seen.every((v) => v === 'old-secret-value-1' || v === 'new-secret-value-2'));
    assert.equal(seen[0], 'old-secret-value-1', 'the old value is served until the new one is read');
    const after = src.status();
    assert.equal(after.ok, true);
    assert.equal(after.error, undefined);
    assert.equal(after.version, `file:${fingerprintSync('new-secret-value-2')}`);
    assert.notEqual(after.version, before.version);
  } finally {
    src.close();
    rmSync(mount.dir, { recursive: true, force: true });
  }
});

test('a plain file rewritten in place is re-read (CRLF trimmed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-cred-'));
  const file = join(dir, 'key');
  writeFileSync(file, 'first-value');
  const src = createCredentialSource('crm', { ...FILE, file }, { pollMs: 60_000 });
  try {
    assert.equal(src.get({}), 'first-value');
    writeFileSync(file, 'second-value\r\n');
    await waitFor(() => src.get({}) === 'second-value', 5000, 'the rewritten value');
  } finally {
    src.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the poll catches what the directory watch cannot see: the directory itself swapped', async () => {
  // The watch is on the directory the path names at start; when that directory is a symlink
  // that is re-pointed, the watched inode never changes and only the poll notices.
  const root = mkdtempSync(join(tmpdir(), 'custos-cred-'));
  mkdirSync(join(root, 'a'));
  mkdirSync(join(root, 'b'));
  writeFileSync(join(root, 'a', 'key'), 'value-in-a');
  writeFileSync(join(root, 'b', 'key'), 'value-in-b');
  symlinkSync('a', join(root, 'current'));
  const src = createCredentialSource('crm', { ...FILE, file: join(root, 'current', 'key') }, { pollMs: 50 });
  try {
    assert.equal(src.get({}), 'value-in-a');
    symlinkSync('b', join(root, 'next'));
    renameSync(join(root, 'next'), join(root, 'current'));
    await waitFor(() => src.get({}) === 'value-in-b', 5000, 'the poll');
  } finally {
    src.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a missing file: status ok:false and a typed 502 error; the value is picked up once it appears', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-cred-'));
  const file = join(dir, 'later');
  const src = createCredentialSource('crm', { ...FILE, file }, { pollMs: 50 });
  try {
    const st = src.status();
    assert.equal(st.ok, false);
    assert.equal(st.version, 'none');
    assert.equal(st.updatedAt, null);
    assert.match(st.error ?? '', /ENOENT/);
    assert.throws(
      () => src.get({}),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.code === 'CUSTOS_UPSTREAM_CREDENTIAL' &&
        err.http === 502 &&
        err.rpc === -32096 &&
        err.message === "Upstream credential unavailable: server 'crm'",
    );
    writeFileSync(file, 'arrived');
    await waitFor(() => src.status().ok, 5000, 'the file to be read');
    assert.equal(src.get({}), 'arrived');
  } finally {
    src.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable path (a directory, a dangling symlink) is ok:false with the errno, never a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-cred-'));
  mkdirSync(join(dir, 'adir'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  const a = createCredentialSource('a', { ...FILE, file: join(dir, 'adir') });
  const b = createCredentialSource('b', { ...FILE, file: join(dir, 'dangling') });
  try {
    assert.equal(a.status().ok, false);
    assert.match(a.status().error ?? '', /EISDIR/);
    assert.equal(b.status().ok, false);
    assert.match(b.status().error ?? '', /ENOENT/);
    assert.throws(() => b.get({}), { code: 'CUSTOS_UPSTREAM_CREDENTIAL' });
  } finally {
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that goes away or is truncated keeps the previous value; status says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-cred-'));
  const file = join(dir, 'key');
  writeFileSync(file, 'kept-value');
  const logs: string[] = [];
  const src = createCredentialSource(
    'crm',
    { ...FILE, file },
    { pollMs: 50, log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })) },
  );
  try {
    writeFileSync(file, '');
    await waitFor(() => src.status().error === 'empty', 5000, 'the empty read');
    assert.equal(src.get({}), 'kept-value');
    rmSync(file);
    await waitFor(() => /ENOENT/.test(src.status().error ?? ''), 5000, 'the missing file');
    assert.equal(src.get({}), 'kept-value');
    assert.equal(src.status().ok, true);
    writeFileSync(file, 'replacement-value');
    await waitFor(() => src.get({}) === 'replacement-value', 5000, 'the replacement');
    assert.equal(src.status().error, undefined);
    assert.ok(logs.some((l) => l.includes('upstream credential rotated')));
    assert.ok(!logs.some((l) => l.includes('kept-value') || l.includes('replacement-value')), 'never logged');
  } finally {
    src.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The layout the kubelet's AtomicWriter gives a mounted Secret, built with the same filesystem
// operations (pkg/volume/util/atomic_writer.go): `<dir>/..<timestamp>/<key>` holds the data,
// `<dir>/..data` points at the current timestamped directory and `<dir>/<key>` points into
// `..data`. An update writes a new timestamped directory, renames a `..data_tmp` symlink over
// `..data` (the atomic step) and removes the old directory.

export interface SecretMount {
  dir: string;
  /** The path a config names: `<dir>/<key>`. */
  path(key: string): string;
  update(files: Record<string, string>): void;
}

export function mountSecret(files: Record<string, string>): SecretMount {
  const dir = mkdtempSync(join(tmpdir(), 'custos-secret-'));
  let n = 0;
  let current: string | undefined;
  const writeGeneration = (data: Record<string, string>): string => {
    const name = `..2026_11_25_10_00_${String(n++).padStart(2, '0')}.${process.pid}`;
    mkdirSync(join(dir, name), { mode: 0o755 });
    for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, name, k), v, { mode: 0o644 });
    return name;
  };
  current = writeGeneration(files);
  symlinkSync(current, join(dir, '..data'));
  for (const k of Object.keys(files)) symlinkSync(join('..data', k), join(dir, k));
  return {
    dir,
    path: (key) => join(dir, key),
    update(data) {
      const next = writeGeneration(data);
      symlinkSync(next, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      if (current) rmSync(join(dir, current), { recursive: true, force: true });
      current = next;
    },
  };
}

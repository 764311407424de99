// Many 64-digit hex digests from one buffer: decoded a chunk at a time into one string, and handed
// out as slices of it (a 64-character slice is a view, not a copy, so a chunk's string lives as
// long as any of its digests).

const DIGITS = 64;
/**
 * Digests per decoded string: 64 KB of text. A string over 128 KB goes to V8's large-object space,
 * whose allocation cost ~150 µs here against ~5 µs for one just below.
 */
const CHUNK = 1024;

/** The `n` digests of 64 Latin-1 hex digits at the start of `bytes`, into `out` from `at` on. */
export function hexSlices(bytes: Buffer, n: number, out: string[], at: number): void {
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    const text = bytes.toString('latin1', from * DIGITS, to * DIGITS);
    for (let k = from; k < to; k++) out[at + k] = text.slice((k - from) * DIGITS, (k - from + 1) * DIGITS);
  }
}

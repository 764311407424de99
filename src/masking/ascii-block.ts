// The keyed hashes' fast path, shared by the scalar and the four-lane BLAKE2s: most values are
// ASCII of at most 64 characters, one block, packed straight from the char codes.

/**
 * Packs `value` (1 to 64 characters) four characters to a little-endian word, as BLAKE2s reads a
 * block, into out[at], out[at + stride], … — 16 words, zeros after the value. False when a
 * character is not ASCII (then `out` holds part of the value, and the caller encodes UTF-8).
 */
export function packAsciiBlock(value: string, out: Int32Array, at: number, stride: number): boolean {
  const n = value.length;
  let k = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = value.charCodeAt(i);
    const b = value.charCodeAt(i + 1);
    const c = value.charCodeAt(i + 2);
    const d = value.charCodeAt(i + 3);
    if ((a | b | c | d) > 0x7f) return false;
    out[at + stride * k++] = a | (b << 8) | (c << 16) | (d << 24);
  }
  if (i < n) {
    let word = 0;
    for (let j = n - 1; j >= i; j--) {
      const c = value.charCodeAt(j);
      if (c > 0x7f) return false;
      word = (word << 8) | c;
    }
    out[at + stride * k++] = word;
  }
  for (; k < 16; k++) out[at + stride * k] = 0;
  return true;
}

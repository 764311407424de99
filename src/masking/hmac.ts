// The pseudonym operator's keyed hash: HMAC-SHA256 (RFC 2104) of a short string (issue 6: "keyed
// pseudonym (HMAC token)"), computed only where that operator applies. node:crypto's createHmac
// costs ~1.6 µs a value here (object setup dominates, not hashing); with the key's inner and
// outer pad blocks compressed once at boot, a value costs two SHA-256 block compressions
// (~0.35 µs) plus packing and hex (~0.25 µs). Findings' hashes use keyed BLAKE2s instead, one
// compression a value (blake2s.ts). test/masking/operators.test.ts checks this against node:crypto.

import { createHash } from 'node:crypto';
import { compress } from './sha256.ts';
import { utf8Bytes } from './utf8-bytes.ts';

const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

function padState(key: Buffer, pad: number, w: Int32Array): Int32Array {
  const block = Buffer.alloc(64, pad);
  for (let i = 0; i < key.length; i++) block[i] = (key[i] as number) ^ pad;
  for (let i = 0; i < 16; i++) w[i] = block.readInt32BE(i * 4);
  const state = IV.slice();
  compress(state, w);
  block.fill(0);
  return state;
}

const DIGITS = '0123456789abcdef';
/** The two ASCII hex digits of each byte value, at 2·b and 2·b + 1. */
const HEX_PAIRS = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  HEX_PAIRS[2 * b] = DIGITS.charCodeAt(b >> 4);
  HEX_PAIRS[2 * b + 1] = DIGITS.charCodeAt(b & 15);
}

/** Returns `value ↦ hex(HMAC-SHA256(key, utf8(value)))`; the key is consumed at boot. */
export function createKeyedHash(key: Buffer): (value: string) => string {
  const k = key.length > 64 ? createHash('sha256').update(key).digest() : key;
  const w = new Int32Array(16);
  const inner = padState(k, 0x36, w);
  const outer = padState(k, 0x5c, w);
  const state = new Int32Array(8);
  const tail = new Uint8Array(128);
  const utf8 = new Uint8Array(1024);
  const hex = Buffer.alloc(64);

  const words = (src: Uint8Array, at: number): void => {
    for (let i = 0; i < 16; i++) {
      const p = at + i * 4;
      w[i] =
        ((src[p] as number) << 24) |
        ((src[p + 1] as number) << 16) |
        ((src[p + 2] as number) << 8) |
        (src[p + 3] as number);
    }
  };

  /** The general path: UTF-8 bytes, any length. */
  const innerBlocks = (value: string): void => {
    const src = utf8Bytes(value, utf8);
    const n = src.length;
    let off = 0;
    for (; n - off >= 64; off += 64) {
      words(src, off);
      compress(state, w);
    }
    // Tail: the rest of the message, 0x80, zeros and the bit length (64 + n) · 8 in the last 8 bytes.
    const rem = n - off;
    for (let i = 0; i < rem; i++) tail[i] = src[off + i] as number;
    const tailLength = rem + 9 > 64 ? 128 : 64;
    tail[rem] = 0x80;
    tail.fill(0, rem + 1, tailLength);
    const bits = (64 + n) * 8;
    tail[tailLength - 4] = bits >>> 24;
    tail[tailLength - 3] = (bits >>> 16) & 255;
    tail[tailLength - 2] = (bits >>> 8) & 255;
    tail[tailLength - 1] = bits & 255;
    for (let at = 0; at < tailLength; at += 64) {
      words(tail, at);
      compress(state, w);
    }
  };

  const [i0, i1, i2, i3, i4, i5, i6, i7] = inner as unknown as number[];
  const [o0, o1, o2, o3, o4, o5, o6, o7] = outer as unknown as number[];

  return (value: string): string => {
    const n = value.length;
    // Fast path, most values: ASCII of at most 55 characters fits one block, packed four
    // characters to a word straight from the char codes (the state set word by word: a
    // TypedArray#set call costs more than eight stores).
    let ascii = n <= 55;
    if (ascii) {
      let k = 0;
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const a = value.charCodeAt(i);
        const b = value.charCodeAt(i + 1);
        const c = value.charCodeAt(i + 2);
        const d = value.charCodeAt(i + 3);
        if ((a | b | c | d) > 0x7f) {
          ascii = false;
          break;
        }
        w[k++] = (a << 24) | (b << 16) | (c << 8) | d;
      }
      if (ascii) {
        // The last 0–3 characters, then the 0x80 that ends the message.
        let word = 0;
        for (let j = 0; j < 4; j++) {
          const c = i + j < n ? value.charCodeAt(i + j) : i + j === n ? 0x80 : 0;
          if (i + j < n && c > 0x7f) ascii = false;
          word = (word << 8) | c;
        }
        w[k++] = word;
        while (k < 15) w[k++] = 0;
        w[15] = (64 + n) * 8;
      }
    }
    state[0] = i0 as number;
    state[1] = i1 as number;
    state[2] = i2 as number;
    state[3] = i3 as number;
    state[4] = i4 as number;
    state[5] = i5 as number;
    state[6] = i6 as number;
    state[7] = i7 as number;
    if (ascii) compress(state, w);
    else innerBlocks(value);
    for (let i = 0; i < 8; i++) w[i] = state[i] as number;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = (64 + 32) * 8;
    state[0] = o0 as number;
    state[1] = o1 as number;
    state[2] = o2 as number;
    state[3] = o3 as number;
    state[4] = o4 as number;
    state[5] = o5 as number;
    state[6] = o6 as number;
    state[7] = o7 as number;
    compress(state, w);
    // Hex digits into a buffer, one native decode: a third of the cost of 32 string concatenations.
    for (let i = 0; i < 8; i++) {
      const v = state[i] as number;
      const at = i * 8;
      let b = (v >>> 23) & 510;
      hex[at] = HEX_PAIRS[b] as number;
      hex[at + 1] = HEX_PAIRS[b + 1] as number;
      b = (v >>> 15) & 510;
      hex[at + 2] = HEX_PAIRS[b] as number;
      hex[at + 3] = HEX_PAIRS[b + 1] as number;
      b = (v >>> 7) & 510;
      hex[at + 4] = HEX_PAIRS[b] as number;
      hex[at + 5] = HEX_PAIRS[b + 1] as number;
      b = (v << 1) & 510;
      hex[at + 6] = HEX_PAIRS[b] as number;
      hex[at + 7] = HEX_PAIRS[b + 1] as number;
    }
    return hex.toString('latin1', 0, 64);
  };
}

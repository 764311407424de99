// Keyed hashes for findings and pseudonyms: HMAC-SHA256 (RFC 2104) of a short string. A 75 KB
// customer result yields about eight hundred distinct values, and node:crypto's createHmac costs
// ~1.2 µs each here (object setup dominates, not hashing), which alone would eat most of the
// masking budget. The key's inner and outer pad blocks are compressed once at boot, so a value
// costs two SHA-256 block compressions (~0.45 µs in all). test/masking/hmac.test.ts checks it
// against node:crypto.

import { createHash } from 'node:crypto';
import { compress } from './sha256.ts';

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

const encoder = new TextEncoder();
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
    let src: Uint8Array;
    let n: number;
    if (value.length * 3 <= utf8.length) {
      n = encoder.encodeInto(value, utf8).written;
      src = utf8;
    } else {
      src = encoder.encode(value);
      n = src.length;
    }
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

  return (value: string): string => {
    state.set(inner);
    // Fast path, most values: ASCII of at most 55 characters fits one block, packed straight from
    // the char codes.
    let ascii = value.length <= 55;
    if (ascii) {
      w.fill(0);
      const n = value.length;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        w[i >> 2] = (w[i >> 2] as number) | (c << (24 - 8 * (i & 3)));
      }
      if (ascii) {
        w[n >> 2] = (w[n >> 2] as number) | (0x80 << (24 - 8 * (n & 3)));
        w[15] = (64 + n) * 8;
        compress(state, w);
      }
    }
    if (!ascii) innerBlocks(value);
    for (let i = 0; i < 8; i++) w[i] = state[i] as number;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = (64 + 32) * 8;
    state.set(outer);
    compress(state, w);
    // Hex digits into a buffer, one native decode: a third of the cost of 32 string concatenations.
    for (let i = 0; i < 8; i++) {
      const v = state[i] as number;
      for (let j = 0; j < 4; j++) {
        const b = 2 * ((v >>> (24 - 8 * j)) & 255);
        hex[i * 8 + 2 * j] = HEX_PAIRS[b] as number;
        hex[i * 8 + 2 * j + 1] = HEX_PAIRS[b + 1] as number;
      }
    }
    return hex.toString('latin1');
  };
}

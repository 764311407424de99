// Keyed BLAKE2s-256 (RFC 7693 §2.5 keyed mode, a PRF/MAC) for the keyed hash of every finding: the
// blind-index key the audit trail files an exchange under, and what `custos dsar` looks a subject
// up by. A 75 KB customer result holds a thousand or more distinct values, so the hash is the
// largest single cost of masking it. HMAC-SHA256 needs two SHA-256 compressions per short value
// (64 rounds each, after precomputing the pads); keyed BLAKE2s compresses the key block once at
// boot, and then a value of up to 64 bytes is ONE compression of 10 rounds of add, xor and rotate
// (~85 ns here in JavaScript; four at once in WebAssembly SIMD, ~30 ns a value).
//
// Key block (RFC 7693 §3.3): the key padded with zeros to 64 bytes is the first block, so every
// value starts from the same state, which is computed here once. Two cases need care: the empty
// message, where the key block itself is the final block (t = 64, f0 set); and a message that is an
// exact multiple of 64 bytes, whose last full block is final with no padding block after it.

import { packAsciiBlock } from './ascii-block.ts';
import { compress, IV } from './blake2s-compress.ts';
import { createX4 } from './blake2s-x4.ts';
import { hexSlices } from './hex-slices.ts';
import { utf8Bytes } from './utf8-bytes.ts';

const BLOCK = 64;
const OUT_BYTES = 32;
/** Values hashed into one output buffer before it is decoded. */
const BATCH = 1024;
const DIGITS = '0123456789abcdef';

/** The state after the parameter block (RFC 7693 §2.5: digest length, key length, fanout 1, depth 1). */
function initialState(keyLength: number): Int32Array {
  const h = Int32Array.from(IV);
  h[0] = (h[0] as number) ^ (0x01010000 | (keyLength << 8) | OUT_BYTES);
  return h;
}

/** Loads 16 little-endian words from `bytes` at `at` (zeros past `end`). */
function load(m: Int32Array, bytes: Uint8Array, at: number, end: number): void {
  for (let i = 0; i < 16; i++) {
    let word = 0;
    for (let j = 3; j >= 0; j--) {
      const p = at + i * 4 + j;
      word = (word << 8) | (p < end ? (bytes[p] as number) : 0);
    }
    m[i] = word;
  }
}

/**
 * Keyed BLAKE2s-256 of bytes, block by block: the reference path (any length; an empty key gives
 * plain BLAKE2s-256). The finding hash below takes a shortcut for short strings and must agree.
 */
export function keyedBlake2s(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length > 32) throw new RangeError('a BLAKE2s key holds at most 32 bytes');
  const h = initialState(key.length);
  const m = new Int32Array(16);
  let counted = 0;
  let at = 0;
  if (key.length > 0) {
    load(m, key, 0, key.length);
    counted = BLOCK;
    compress(h, m, counted, data.length === 0);
  }
  // Every block but the last is compressed as not final; the last (full or partial) is final.
  while (data.length - at > BLOCK) {
    load(m, data, at, at + BLOCK);
    at += BLOCK;
    counted += BLOCK;
    compress(h, m, counted, false);
  }
  if (data.length > 0 || key.length === 0) {
    load(m, data, at, data.length);
    counted += data.length - at;
    compress(h, m, counted, true);
  }
  const out = Buffer.alloc(OUT_BYTES);
  for (let i = 0; i < 8; i++) out.writeInt32LE(h[i] as number, i * 4);
  return out;
}

/**
 * The two lower-case hex digits of each byte value as one 16-bit unit in memory order, so a byte
 * becomes its two characters with one store.
 */
const HEX_UNITS = new Uint16Array(256);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
for (let b = 0; b < 256; b++) {
  const high = DIGITS.charCodeAt(b >> 4);
  const low = DIGITS.charCodeAt(b & 15);
  HEX_UNITS[b] = littleEndian ? high | (low << 8) : (high << 8) | low;
}

/** A buffer of hex digits written as 16-bit units and decoded as Latin-1 text. */
interface HexBuffer {
  readonly units: Uint16Array;
  readonly bytes: Buffer;
}
const hexBuffer = (digits: number): HexBuffer => {
  const units = new Uint16Array(digits / 2);
  return { units, bytes: Buffer.from(units.buffer, 0, digits) };
};

/** Hex digests of keyed BLAKE2s-256 over the UTF-8 bytes of strings. */
export interface KeyedBlake2s {
  /** One value's digest, hex. */
  hash(value: string): string;
  /**
   * Every value's digest, hex, in order: four values per WebAssembly SIMD pass where the runtime
   * has it (blake2s-x4.ts), else one by one, in a tight loop into one buffer; decoded into strings
   * a chunk at a time and handed out as slices (hex-slices.ts). A masking call hashes its values
   * this way when it ends: per value, the decode call into native code cost as much as the
   * compression.
   */
  hashAll(values: readonly string[]): string[];
}

/**
 * Keyed BLAKE2s-256 with `key` (16 to 32 bytes), consumed at boot: only the state after the key
 * block is kept. `simd: false` hashes many values with the scalar code too (for tests).
 */
export function createKeyedBlake2s(key: Uint8Array, options: { simd?: boolean } = {}): KeyedBlake2s {
  if (key.length < 16 || key.length > 32) throw new RangeError('the finding-hash key holds 16 to 32 bytes');
  const m = new Int32Array(16);
  const afterKey = initialState(key.length);
  load(m, key, 0, key.length);
  compress(afterKey, m, BLOCK, false);
  m.fill(0);
  const [k0, k1, k2, k3, k4, k5, k6, k7] = afterKey as unknown as number[];
  const empty = new Int32Array(8);
  const digest = keyedBlake2s(key, new Uint8Array(0));
  for (let i = 0; i < 8; i++) empty[i] = digest.readInt32LE(i * 4);
  const h = new Int32Array(8);
  const utf8 = new Uint8Array(1024);
  const one = hexBuffer(OUT_BYTES * 2);
  const many = hexBuffer(OUT_BYTES * 2 * BATCH);

  /** Any value: UTF-8 bytes, block by block after the key block. */
  const general = (value: string): void => {
    const src = utf8Bytes(value, utf8);
    const n = src.length;
    let at = 0;
    while (n - at > BLOCK) {
      load(m, src, at, at + BLOCK);
      at += BLOCK;
      compress(h, m, BLOCK + at, false);
    }
    load(m, src, at, n);
    compress(h, m, BLOCK + n, true);
  };

  /** The digest of `value` into `h`. */
  const digestOf = (value: string): void => {
    const n = value.length;
    if (n === 0) {
      h.set(empty);
      return;
    }
    h[0] = k0 as number;
    h[1] = k1 as number;
    h[2] = k2 as number;
    h[3] = k3 as number;
    h[4] = k4 as number;
    h[5] = k5 as number;
    h[6] = k6 as number;
    h[7] = k7 as number;
    // Fast path, most values: ASCII of at most 64 characters is one block (src/masking/ascii-block.ts).
    if (n <= BLOCK && packAsciiBlock(value, m, 0, 1)) {
      compress(h, m, BLOCK + n, true);
      return;
    }
    general(value);
  };

  /** The little-endian bytes of each word of `h` as hex digits, into `out` from unit `at` on. */
  const writeHex = (out: Uint16Array, at: number): void => {
    for (let i = 0; i < 8; i++) {
      const v = h[i] as number;
      const p = at + i * 4;
      out[p] = HEX_UNITS[v & 255] as number;
      out[p + 1] = HEX_UNITS[(v >>> 8) & 255] as number;
      out[p + 2] = HEX_UNITS[(v >>> 16) & 255] as number;
      out[p + 3] = HEX_UNITS[v >>> 24] as number;
    }
  };

  const HEX = OUT_BYTES * 2;
  const x4 = options.simd === false ? undefined : createX4(afterKey);
  const scalarHex = (value: string, units: Uint16Array, at: number): void => {
    digestOf(value);
    writeHex(units, at);
  };
  return {
    hash(value: string): string {
      digestOf(value);
      writeHex(one.units, 0);
      return one.bytes.toString('latin1', 0, HEX);
    },
    hashAll(values: readonly string[]): string[] {
      if (x4 !== undefined) return x4.hashAll(values, scalarHex);
      const out = new Array<string>(values.length);
      for (let from = 0; from < values.length; from += BATCH) {
        const n = Math.min(BATCH, values.length - from);
        for (let i = 0; i < n; i++) {
          digestOf(values[from + i] as string);
          writeHex(many.units, (i * HEX) / 2);
        }
        hexSlices(many.bytes, n, out, from);
      }
      return out;
    },
  };
}

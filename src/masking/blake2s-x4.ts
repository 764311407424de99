// Keyed BLAKE2s-256 of many short values at once, four per WebAssembly SIMD pass (blake2s-x4-wasm.ts:
// one message per 32-bit lane). Each value's UTF-8 bytes are packed into its lane's block here, the
// module runs the ten rounds for four values with the instructions one scalar compression needs,
// and writes the digests as hex into its memory, which is decoded into one string. A value that is
// not one block after the key block (empty, or over 64 bytes) is finished by the scalar code.
//
// WebAssembly SIMD is in every Node.js from 16 on; where a runtime refuses the module (an old CPU,
// --jitless), createX4 answers undefined and the scalar code hashes everything.

import { packAsciiBlock } from './ascii-block.ts';
import * as layout from './blake2s-x4-wasm.ts';
import { hexSlices } from './hex-slices.ts';

const BLOCK = 64;
const HEX = 64;
const PAGE = 65536;
/** Values per call into the module: its memory stays under 600 KB however many a call brings. */
const BATCH = 1024;
// The module's memory layout, as plain constants on the hot path.
const { GROUP_BYTES, GROUPS, HEX_TABLE, KEY_STATE } = layout;
const encoder = new TextEncoder();

/** The part of the WebAssembly JavaScript API used here (the project's TypeScript libraries lack its types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The module, compiled once per process; null where this runtime cannot run it. */
function x4Module(): object | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(layout.BLAKE2S_X4_WASM, 'base64');
    try {
      compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Finishes one value with the scalar code: its hex digits into `units` from unit `at` on. */
export type ScalarHex = (value: string, units: Uint16Array, at: number) => void;

export interface X4Hasher {
  /** Every value's digest, hex, in order (see KeyedBlake2s.hashAll). */
  hashAll(values: readonly string[], scalar: ScalarHex): string[];
}

/** A four-lane hasher for the state after the key block, or undefined without WebAssembly SIMD. */
export function createX4(afterKey: Int32Array): X4Hasher | undefined {
  const module = x4Module();
  if (module === null || wasm === undefined) return undefined;
  const instance = new wasm.Instance(module, {});
  const memory = instance.exports.memory as WasmMemory;
  const hash = instance.exports.hash as (groups: number, out: number) => void;
  const init = new DataView(memory.buffer);
  for (let i = 0; i < 32; i++) init.setInt32(KEY_STATE + 4 * i, afterKey[i >> 2] as number, true);
  const digits = '0123456789abcdef';
  for (let b = 0; b < 256; b++)
    init.setUint16(HEX_TABLE + 2 * b, digits.charCodeAt(b >> 4) | (digits.charCodeAt(b & 15) << 8), true);

  let words = new Int32Array(memory.buffer);
  let units = new Uint16Array(memory.buffer);
  const utf8 = new Uint8Array(BLOCK * 3);
  const special: number[] = [];

  /** Packs bytes [0, n) of `utf8` into the lane whose first word is `w`. */
  const packBytes = (w: number, n: number): void => {
    for (let j = 0; j < 16; j++) {
      const p = 4 * j;
      words[w + 4 * j] =
        p >= n
          ? 0
          : (utf8[p] as number) |
            ((p + 1 < n ? (utf8[p + 1] as number) : 0) << 8) |
            ((p + 2 < n ? (utf8[p + 2] as number) : 0) << 16) |
            ((p + 3 < n ? (utf8[p + 3] as number) : 0) << 24);
    }
  };

  /** Packs `value` into the lane whose first word is `w`; its byte count, or -1 when it is not one block. */
  const pack = (value: string, w: number): number => {
    const n = value.length;
    if (n === 0 || n > BLOCK) return -1;
    return packAsciiBlock(value, words, w, 4) ? n : packUtf8(value, w);
  };

  const packUtf8 = (value: string, w: number): number => {
    if (value.length * 3 > utf8.length) return -1;
    const n = encoder.encodeInto(value, utf8).written;
    if (n > BLOCK) return -1;
    packBytes(w, n);
    return n;
  };

  /** Values [from, to) into result[from, to). */
  const hashBatch = (
    values: readonly string[],
    from: number,
    to: number,
    scalar: ScalarHex,
    result: string[],
  ): void => {
    const n = to - from;
    const groups = (n + 3) >> 2;
    const out = GROUPS + groups * GROUP_BYTES;
    const need = out + groups * 4 * HEX;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
    if (words.buffer !== memory.buffer) {
      words = new Int32Array(memory.buffer);
      units = new Uint16Array(memory.buffer);
    }
    special.length = 0;
    for (let k = 0; k < n; k++) {
      const group = (GROUPS + (k >> 2) * GROUP_BYTES) >> 2;
      const lane = k & 3;
      const bytes = pack(values[from + k] as string, group + lane);
      // The lane's byte counter t: the key block and the message.
      if (bytes >= 0) words[group + 64 + lane] = BLOCK + bytes;
      else special.push(k);
    }
    hash(groups, out);
    for (const k of special) scalar(values[from + k] as string, units, (out + k * HEX) >> 1);
    hexSlices(Buffer.from(memory.buffer, out, n * HEX), n, result, from);
  };

  return {
    hashAll(values: readonly string[], scalar: ScalarHex): string[] {
      const result = new Array<string>(values.length);
      for (let from = 0; from < values.length; from += BATCH)
        hashBatch(values, from, Math.min(values.length, from + BATCH), scalar, result);
      return result;
    },
  };
}

// Writes src/masking/blake2s-x4-wasm.ts: a WebAssembly module (SIMD, 128-bit) that finishes keyed
// BLAKE2s-256 (RFC 7693) for four one-block messages at once, one message per 32-bit lane, and writes
// each digest as 64 lower-case hex digits. The module is built here instruction by instruction (the
// function below is its source); src/masking/blake2s.ts fills its memory and calls it.
//
//   node --import tsx bench/blake2s-simd-generate.ts > src/masking/blake2s-x4-wasm.ts
//
// Memory layout (little-endian, as WebAssembly memory always is):
//   KEY_STATE  128 bytes  the eight state words after the key block, each in all four lanes
//   HEX_TABLE  512 bytes  per byte value, its two hex digits (first digit in the low byte)
//   GROUPS     272 bytes per group of four messages: 16 message words × 4 lanes, then the four
//              byte counters t (64 + message length)
//   out (arg)  256 bytes per group: four digests of 64 hex digits, message by message

import { IV, SIGMA } from './blake2s-constants.ts';

export const KEY_STATE = 0;
export const HEX_TABLE = 128;
export const GROUPS = 1024;
export const GROUP_BYTES = 272;

// --- WebAssembly binary encoding (the core specification, binary format chapter) ---

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s)];

const I32 = 0x7f;
const V128 = 0x7b;
const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
const memarg = (offset: number, align = 0): number[] => [...uleb(align), ...uleb(offset)];
const bytesOfWord = (w: number): number[] => [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];

const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (n: number) => [0x41, ...sleb(n | 0)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  i32GeU: [0x4f],
  i32Load16U: (offset: number) => [0x2f, ...memarg(offset, 1)],
  i32Store16: (offset: number) => [0x3b, ...memarg(offset, 1)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  end: [0x0b],
  v128Load: (offset: number) => simd(0x00, ...memarg(offset, 4)),
  v128Const: (words: number[]) => simd(0x0c, ...words.flatMap(bytesOfWord)),
  shuffle: (lanes: number[]) => simd(0x0d, ...lanes),
  i32x4ExtractLane: (lane: number) => simd(0x1b, lane),
  v128Or: simd(0x50),
  v128Xor: simd(0x51),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Add: simd(0xae),
};

// --- the function: hash(groups: i32, out: i32) ---

// Locals: 0 groups, 1 out (parameters); then i32 g, base, o, x; then v128 v0–v15 and t. The
// message words and the key state are read from memory where they are used: with them in locals
// too, 41 vectors would compete for 16 registers, and the spills cost more than the loads.
const GROUPS_ARG = 0;
const OUT_ARG = 1;
const G = 2;
const BASE = 3;
const O = 4;
const X = 5;
const V = (i: number): number => 6 + i;
const T = 22;
const message = (x: number): number[] => [...op.localGet(BASE), ...op.v128Load(16 * x)];
const keyState = (i: number): number[] => [...op.i32Const(0), ...op.v128Load(KEY_STATE + 16 * i)];

const code: number[] = [];
const emit = (...parts: (number[] | number)[]): void => {
  for (const p of parts) typeof p === 'number' ? code.push(p) : code.push(...p);
};

// Rotations right of each 32-bit lane: by 16 and 8 as byte shuffles, by 12 and 7 as two shifts.
const ROTR16 = [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13];
const ROTR8 = [1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12];
const rotrShuffle = (target: number, lanes: number[]): void =>
  emit(op.localTee(T), op.localGet(T), op.shuffle(lanes), op.localSet(target));
const rotrShift = (target: number, n: number): void =>
  emit(
    op.localTee(T),
    op.i32Const(n),
    op.i32x4ShrU,
    op.localGet(T),
    op.i32Const(32 - n),
    op.i32x4Shl,
    op.v128Or,
    op.localSet(target),
  );

/** G (RFC 7693 §3.1) on four lanes at once: two halves, rotating d by 16 then 8, b by 12 then 7. */
function g(a: number, b: number, c: number, d: number, x: number, y: number): void {
  half(a, b, c, d, x, ROTR16, 12);
  half(a, b, c, d, y, ROTR8, 7);
}

/** a = a + b + m[x]; d = (d ^ a) >>> 16 or 8; c = c + d; b = (b ^ c) >>> 12 or 7. */
function half(a: number, b: number, c: number, d: number, x: number, rotrD: number[], rotrB: number): void {
  emit(op.localGet(V(a)), op.localGet(V(b)), op.i32x4Add, message(x), op.i32x4Add, op.localSet(V(a)));
  emit(op.localGet(V(d)), op.localGet(V(a)), op.v128Xor);
  rotrShuffle(V(d), rotrD);
  emit(op.localGet(V(c)), op.localGet(V(d)), op.i32x4Add, op.localSet(V(c)));
  emit(op.localGet(V(b)), op.localGet(V(c)), op.v128Xor);
  rotrShift(V(b), rotrB);
}

const splat = (w: number): number[] => op.v128Const([w, w, w, w]);

emit(op.i32Const(0), op.localSet(G));
emit(op.block, op.loop);
emit(op.localGet(G), op.localGet(GROUPS_ARG), op.i32GeU, op.brIf(1));
// base = GROUPS + g · GROUP_BYTES; o = out + g · 256
emit(op.localGet(G), op.i32Const(GROUP_BYTES), op.i32Mul, op.i32Const(GROUPS), op.i32Add, op.localSet(BASE));
emit(op.localGet(G), op.i32Const(8), op.i32Shl, op.localGet(OUT_ARG), op.i32Add, op.localSet(O));
for (let i = 0; i < 8; i++) emit(keyState(i), op.localSet(V(i)));
for (let i = 0; i < 4; i++) emit(splat(IV[i] as number), op.localSet(V(8 + i)));
// v12 = IV4 ^ t (the byte counters); v13 = IV5 (t's high word is 0); v14 = ~IV6 (the last block)
emit(splat(IV[4] as number), op.localGet(BASE), op.v128Load(256), op.v128Xor, op.localSet(V(12)));
emit(splat(IV[5] as number), op.localSet(V(13)));
emit(splat(~(IV[6] as number) >>> 0), op.localSet(V(14)));
emit(splat(IV[7] as number), op.localSet(V(15)));
for (const s of SIGMA) {
  const at = (i: number): number => s[i] as number;
  g(0, 4, 8, 12, at(0), at(1));
  g(1, 5, 9, 13, at(2), at(3));
  g(2, 6, 10, 14, at(4), at(5));
  g(3, 7, 11, 15, at(6), at(7));
  g(0, 5, 10, 15, at(8), at(9));
  g(1, 6, 11, 12, at(10), at(11));
  g(2, 7, 8, 13, at(12), at(13));
  g(3, 4, 9, 14, at(14), at(15));
}
// Digest word i = h_i ^ v_i ^ v_(i+8), its four bytes as hex digits, for each lane's message.
for (let i = 0; i < 8; i++) {
  emit(keyState(i), op.localGet(V(i)), op.v128Xor, op.localGet(V(i + 8)), op.v128Xor, op.localSet(T));
  for (let lane = 0; lane < 4; lane++) {
    emit(op.localGet(T), op.i32x4ExtractLane(lane), op.localSet(X));
    for (let byte = 0; byte < 4; byte++) {
      emit(op.localGet(O), op.localGet(X));
      if (byte > 0) emit(op.i32Const(8 * byte), op.i32ShrU);
      if (byte < 3) emit(op.i32Const(255), op.i32And);
      emit(op.i32Const(1), op.i32Shl, op.i32Load16U(HEX_TABLE));
      emit(op.i32Store16(lane * 64 + i * 8 + byte * 2));
    }
  }
}
emit(op.localGet(G), op.i32Const(1), op.i32Add, op.localSet(G), op.br(0));
emit(op.end, op.end, op.end);

const locals = vec([
  [...uleb(4), I32],
  [...uleb(17), V128],
]);
const body = [...locals, ...code];

const module = [
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32], [I32]]), ...vec([])]])),
  ...section(3, vec([uleb(0)])),
  ...section(5, vec([[0x00, ...uleb(1)]])),
  ...section(
    7,
    vec([
      [...name('hash'), 0x00, ...uleb(0)],
      [...name('memory'), 0x02, ...uleb(0)],
    ]),
  ),
  ...section(10, vec([[...uleb(body.length), ...body]])),
];

const base64 = Buffer.from(module).toString('base64');
const lines = base64.match(/.{1,100}/g) ?? [];
process.stdout.write(`// A WebAssembly module: keyed BLAKE2s-256 (RFC 7693) finished for four one-block messages at once
// (128-bit SIMD, one message per lane), each digest written as hex. Generated by
// bench/blake2s-simd-generate.ts, which is its source and documents the memory layout;
// test/masking/blake2s.test.ts checks it against the scalar code and the reference's known answers.
// Do not edit by hand.

export const KEY_STATE = ${KEY_STATE};
export const HEX_TABLE = ${HEX_TABLE};
export const GROUPS = ${GROUPS};
export const GROUP_BYTES = ${GROUP_BYTES};

/** The module's bytes (${module.length}), base64. */
export const BLAKE2S_X4_WASM =
${lines.map((l, i) => `  '${l}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n')}
`);

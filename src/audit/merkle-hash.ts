import * as crypto from 'node:crypto';

// RFC 9162 §2.1.1 (same as RFC 6962 §2.1): SHA-256 with domain separation between leaves and
// interior nodes, so a leaf can never be passed off as a node or the reverse:
//   leaf hash  = SHA-256(0x00 ‖ data)
//   node hash  = SHA-256(0x01 ‖ left ‖ right)
//   MTH({})    = SHA-256("")
//   MTH(D[n])  = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n

export const HASH_SIZE = 32;

/** Trees hold at most 2^53 leaves: every size and index stays an exact JavaScript number. */
export const MAX_TREE_SIZE = 2 ** 53;

/** The root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = crypto.createHash('sha256').digest();

// One-shot crypto.hash (Node ≥ 20.12 / 21.7; the same on 22 and 24) skips the Hash object. Its
// digest is asked for as a 'binary' string (Latin-1: one character per byte, so the 32 bytes
// exactly) and copied into a Buffer from Node's pool. Asked for as a Buffer, each digest came in a
// Buffer of its own, an ArrayBuffer each for the garbage collector to free: ~1.6 µs more per hash
// here, and an audit event takes four (bench/merkle.ts measures the variants in one run). A digest
// kept for long holds on to its 8 KB pool slab; the writer keeps at most the tree's frontier (≤ 53)
// and the chain's tip. Older Node 20 releases fall back to createHash.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** SHA-256 of `data` (a string is hashed as its UTF-8 bytes), one-shot where Node has it. */
function digest(data: string | Uint8Array): Buffer {
  return oneShot
    ? Buffer.from(oneShot('sha256', data, 'binary'), 'binary')
    : crypto.createHash('sha256').update(data).digest();
}

/** SHA-256 of `data`. */
export const sha256 = (data: Uint8Array): Buffer => digest(data);

/** SHA-256 of `data`, as 64 hex digits. */
export function sha256Hex(data: Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

// Scratch space for the prefix and the input, reused by every call: hashing is synchronous, so
// no two calls ever share it.
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 0x01;
const LEAF_SCRATCH = Buffer.alloc(1024);
const LEAF_PREFIX = Buffer.of(0x00);

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array): Buffer {
  if (data.length < LEAF_SCRATCH.length) {
    LEAF_SCRATCH[0] = 0x00;
    LEAF_SCRATCH.set(data, 1);
    return sha256(LEAF_SCRATCH.subarray(0, data.length + 1));
  }
  return crypto.createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/**
 * The leaf hash of a text's UTF-8 bytes, as hashLeaf(Buffer.from(text, 'utf8')) but without making
 * that Buffer: U+0000 is the single byte 0x00 in UTF-8, so the prefix goes in as a character. (A
 * Buffer per event came from Node's pool, and refilling the pool cost more than the hash.)
 */
export function hashLeafText(text: string): Buffer {
  return digest(`\0${text}`);
}

const CHAIN_INPUT = Buffer.alloc(2 * HASH_SIZE);

/** The event chain's next link: SHA-256(previous link ‖ leaf hash), both 32 bytes. */
export function chainNext(prev: Uint8Array, leaf: Uint8Array): Buffer {
  if (prev.length !== HASH_SIZE || leaf.length !== HASH_SIZE) {
    throw new RangeError(`a chain link and a leaf hash are ${HASH_SIZE} bytes`);
  }
  CHAIN_INPUT.set(prev, 0);
  CHAIN_INPUT.set(leaf, HASH_SIZE);
  return sha256(CHAIN_INPUT);
}

/** RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError(`a Merkle node hash is ${HASH_SIZE} bytes`);
  }
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return digest(NODE_INPUT);
}

/** MTH over a list of leaf hashes (RFC 9162 §2.1.1), in memory. */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  // Bottom-up: pairing left to right and carrying an odd last node up unchanged gives exactly
  // MTH's split at the largest power of two below n.
  let level: Uint8Array[] = leafHashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return Buffer.from(level[0]!);
}

/** True for a whole number in [0, MAX_TREE_SIZE]. */
export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_TREE_SIZE;
}

/** The largest power of two ≤ n (n ≥ 1), exact up to 2^53 where Math.log2 rounds. */
export function powerOfTwoAtMost(n: number): number {
  let p = 2 ** Math.floor(Math.log2(n));
  if (p > n) p /= 2;
  if (p * 2 <= n) p *= 2;
  return p;
}

/** The largest power of two strictly below n (n ≥ 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  return powerOfTwoAtMost(n - 1);
}

/** log2 of an exact power of two. */
export function levelOf(powerOfTwo: number): number {
  return Math.round(Math.log2(powerOfTwo));
}

import {
  EMPTY_ROOT,
  HASH_SIZE,
  hashChildren,
  isTreeSize,
  levelOf,
  powerOfTwoAtMost,
  splitPoint,
} from './merkle-hash.ts';
import { MerkleReadError, type NodeCache, type NodeReader, rangeHash, subtreeHash } from './merkle-nodes.ts';

// Inclusion and consistency proofs, RFC 9162 §2.1.3 and §2.1.4. Generation follows the RFC's
// recursive definitions (PATH and SUBPROOF); every range they name is a subtree of the tree,
// so each element is a complete subtree read from storage or a short fold of a few of them.
// Verification is the RFC's iterative algorithm and answers false, never throws, for anything
// malformed: a proof arrives from outside (a DSAR bundle, a witness) and is data, not code.

/** RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(index: number, size: number, reader: NodeReader, cache?: NodeCache): Buffer[] {
  if (!isTreeSize(size) || !Number.isInteger(index) || index < 0 || index >= size) {
    throw new MerkleReadError(`no leaf ${index} in a tree of ${size}`);
  }
  const proof: Buffer[] = [];
  path(index, 0, size, reader, cache, proof);
  return proof;
}

// PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
// PATH(m, D[n]) = PATH(m − k, D[k:n]) : MTH(D[0:k])  for m ≥ k
// over the leaves [offset, offset + n); deeper elements come first in the proof.
function path(
  m: number,
  offset: number,
  n: number,
  r: NodeReader,
  c: NodeCache | undefined,
  out: Buffer[],
): void {
  if (n === 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(m, offset, k, r, c, out);
    out.push(rangeHash(offset + k, offset + n, r, c));
  } else {
    path(m - k, offset + k, n - k, r, c, out);
    out.push(subtreeHash(levelOf(k), offset / k, r, c));
  }
}

/** RFC 9162 §2.1.4.1: the proof that the tree of `oldSize` is a prefix of the tree of `newSize`. */
export function consistencyProof(
  oldSize: number,
  newSize: number,
  reader: NodeReader,
  cache?: NodeCache,
): Buffer[] {
  if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) {
    throw new MerkleReadError(`no consistency proof from ${oldSize} to ${newSize}`);
  }
  const proof: Buffer[] = [];
  // The empty tree and the tree itself are consistent with anything by definition: empty proof.
  if (oldSize > 0 && oldSize < newSize) subproof(oldSize, 0, newSize, true, reader, cache, proof);
  return proof;
}

// SUBPROOF(m, D[m], true)  = {}
// SUBPROOF(m, D[m], false) = {MTH(D[m])}
// SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          for m ≤ k
// SUBPROOF(m, D[n], b) = SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])  for m > k
function subproof(
  m: number,
  offset: number,
  n: number,
  whole: boolean,
  r: NodeReader,
  c: NodeCache | undefined,
  out: Buffer[],
): void {
  if (m === n) {
    if (!whole) out.push(rangeHash(offset, offset + n, r, c));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(m, offset, k, whole, r, c, out);
    out.push(rangeHash(offset + k, offset + n, r, c));
  } else {
    subproof(m - k, offset + k, n - k, false, r, c, out);
    out.push(subtreeHash(levelOf(k), offset / k, r, c));
  }
}

/** RFC 9162 §2.1.3.2: does `proof` place `leafHash` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isTreeSize(size) || !Number.isInteger(index) || index < 0 || index >= size) return false;
  if (!isHash(leafHash) || !isHash(root) || !isHashList(proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `oldSize` (root `oldRoot`) is a prefix of
 * the tree of `newSize` (root `newRoot`)? Equal sizes need equal roots and an empty proof; the
 * empty tree's root must be SHA-256("") (stricter than the RFC, which leaves size 0 aside).
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isHashList(proof)) return false;
  if (oldSize === 0) return proof.length === 0 && equal(oldRoot, EMPTY_ROOT);
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (proof.length === 0) return false;
  // When the old tree is a complete subtree, the proof omits its root: the verifier supplies it.
  const path = powerOfTwoAtMost(oldSize) === oldSize ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function isHashList(list: unknown): list is readonly Uint8Array[] {
  // A proof is at most two hashes per level of a tree of 2^53 leaves.
  return Array.isArray(list) && list.length <= 2 * 54 && list.every(isHash);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

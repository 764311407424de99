import { EMPTY_ROOT, HASH_SIZE, hashChildren, isTreeSize, levelOf, powerOfTwoAtMost } from './merkle-hash.ts';

// Reading complete subtrees back from storage. The store keeps every leaf hash and, for levels
// that are a multiple of STORED_LEVEL_STEP, the hash of each complete subtree (16, 256, 4096 …
// leaves): 1/16 + 1/256 + … ≈ 1/15 of a row per leaf. Any complete subtree is then at most
// one step above something stored: ≤ 16 stored items read and ≤ 15 hashes per step, so an
// inclusion proof in a tree of a million leaves costs a few hundred hashes, not a million.
// A complete subtree at (level, index) covers leaves [index·2^level, (index+1)·2^level); once
// complete it never changes, which is what makes storing and caching it safe.

export const STORED_LEVEL_STEP = 4;

/** What the audit store offers the tree code. Reads are synchronous (better-sqlite3). */
export interface NodeReader {
  /** Leaf hashes [start, end), contiguous, from storage. */
  leafHashes(start: number, end: number): Buffer[];
  /** A stored complete-subtree hash, when that level is stored and the subtree is complete. */
  storedNode(level: number, index: number): Buffer | undefined;
}

/** A complete subtree the writer persists next to the leaves. */
export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/** Computed subtree hashes kept between calls, keyed `level/index`. A plain Map works. */
export interface NodeCache {
  get(key: string): Buffer | undefined;
  set(key: string, hash: Buffer): unknown;
}

/** The tree's shape or the store's answers are not what they must be. */
export class MerkleReadError extends Error {
  override readonly name = 'MerkleReadError';
}

/** Levels whose complete subtrees the store keeps (level 0, the leaves, is kept anyway). */
export function isStoredLevel(level: number): boolean {
  return level > 0 && level % STORED_LEVEL_STEP === 0;
}

/**
 * A bounded cache that forgets the least recently used entry first. Map keeps insertion order,
 * so a hit is moved to the end and the first key is the oldest.
 */
export function createNodeCache(maxEntries: number): NodeCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be ≥ 1');
  const map = new Map<string, Buffer>();
  return {
    get(key) {
      const hit = map.get(key);
      if (hit !== undefined) {
        map.delete(key);
        map.set(key, hit);
      }
      return hit;
    },
    set(key, hash) {
      map.delete(key);
      map.set(key, hash);
      if (map.size > maxEntries) map.delete(map.keys().next().value as string);
    },
  };
}

/** The hash of the complete subtree at (level, index), from the nearest stored level below. */
export function subtreeHash(level: number, index: number, reader: NodeReader, cache?: NodeCache): Buffer {
  if (!Number.isInteger(level) || level < 0 || level > 53 || !Number.isInteger(index) || index < 0) {
    throw new MerkleReadError(`no subtree at level ${level}, index ${index}`);
  }
  if ((index + 1) * 2 ** level > 2 ** 53)
    throw new MerkleReadError(`subtree ${level}/${index} is out of range`);
  if (level === 0) return leafRange(reader, index, index + 1)[0]!;
  const key = `${level}/${index}`;
  const hit = cache?.get(key);
  if (hit !== undefined) return hit;
  let hash = isStoredLevel(level) ? checked(reader.storedNode(level, index), level, index) : undefined;
  if (hash === undefined) {
    // The nearest stored level strictly below: 4 → 0, 5…8 → 4, 9…12 → 8.
    const base = level - (level % STORED_LEVEL_STEP || STORED_LEVEL_STEP);
    const width = 2 ** (level - base);
    const first = index * width;
    let nodes: Buffer[];
    // A copy: the fold below works in place, and the reader may hand out its own array.
    if (base === 0) nodes = leafRange(reader, first, first + width).slice();
    else {
      nodes = new Array<Buffer>(width);
      // A missing stored node (an older store, or one written before this level was kept) is
      // computed from further down instead.
      for (let j = 0; j < width; j++) {
        nodes[j] =
          checked(reader.storedNode(base, first + j), base, first + j) ??
          subtreeHash(base, first + j, reader, cache);
      }
    }
    hash = foldPerfect(nodes);
  }
  cache?.set(key, hash);
  return hash;
}

/**
 * MTH of the leaves [start, end) where the range is a subtree of the tree (start a multiple of
 * the power of two ≥ end − start), as every range in RFC 9162's recursions is: the complete
 * subtrees of its binary decomposition, largest first, folded from the right.
 */
export function rangeHash(start: number, end: number, reader: NodeReader, cache?: NodeCache): Buffer {
  if (end === start) return EMPTY_ROOT;
  if (!isTreeSize(start) || !isTreeSize(end) || end < start) {
    throw new MerkleReadError(`[${start}, ${end}) is not a range of leaves`);
  }
  const pieces: Buffer[] = [];
  let at = start;
  while (at < end) {
    const width = powerOfTwoAtMost(end - at);
    if (at % width !== 0) throw new MerkleReadError(`[${start}, ${end}) is not a subtree range`);
    pieces.push(subtreeHash(levelOf(width), at / width, reader, cache));
    at += width;
  }
  let hash = pieces[pieces.length - 1]!;
  for (let i = pieces.length - 2; i >= 0; i--) hash = hashChildren(pieces[i]!, hash);
  return hash;
}

/** The root of the tree of `size` leaves, read through `reader`. */
export function rootAt(size: number, reader: NodeReader, cache?: NodeCache): Buffer {
  if (!isTreeSize(size)) throw new MerkleReadError(`not a tree size: ${size}`);
  return rangeHash(0, size, reader, cache);
}

function leafRange(reader: NodeReader, start: number, end: number): Buffer[] {
  const leaves = reader.leafHashes(start, end);
  if (leaves.length !== end - start) {
    throw new MerkleReadError(`the store returned ${leaves.length} leaf hashes for [${start}, ${end})`);
  }
  for (const leaf of leaves) {
    if (leaf.length !== HASH_SIZE)
      throw new MerkleReadError(`a leaf hash in [${start}, ${end}) is not 32 bytes`);
  }
  return leaves;
}

function checked(hash: Buffer | undefined, level: number, index: number): Buffer | undefined {
  if (hash !== undefined && hash.length !== HASH_SIZE) {
    throw new MerkleReadError(`stored node ${level}/${index} is not 32 bytes`);
  }
  return hash;
}

/** The root of a perfect tree over `nodes` (a power of two of them), pairwise. */
function foldPerfect(nodes: Buffer[]): Buffer {
  let width = nodes.length;
  while (width > 1) {
    for (let i = 0; i < width; i += 2) nodes[i / 2] = hashChildren(nodes[i]!, nodes[i + 1]!);
    width /= 2;
  }
  return nodes[0]!;
}

import {
  EMPTY_ROOT,
  HASH_SIZE,
  hashChildren,
  isTreeSize,
  levelOf,
  MAX_TREE_SIZE,
  powerOfTwoAtMost,
} from './merkle-hash.ts';
import {
  isStoredLevel,
  MerkleReadError,
  type NodeCache,
  type NodeReader,
  type StoredNode,
  subtreeHash,
} from './merkle-nodes.ts';

// The single writer's view of the tree: the frontier, one perfect-subtree hash per set bit of
// the size (largest first, the "compact range" [0, size)). Appending a leaf merges it with as
// many frontier entries as the size has trailing one bits: n − 1 hashes for n leaves, about one
// SHA-256 per leaf. Sizes go up to 2^53, so the bit twiddling is arithmetic (x % 2, x / 2):
// JavaScript's bitwise operators truncate to 32 bits.

const NONE: readonly StoredNode[] = Object.freeze([]);

export class MerkleAppender {
  #size: number;
  readonly #frontier: Buffer[];
  #root: Buffer | undefined;

  /** Resumes at `size` from its frontier (as `frontier()` returned it). */
  constructor(size: number, frontier: readonly Buffer[]) {
    if (!isTreeSize(size)) throw new MerkleReadError(`not a tree size: ${size}`);
    if (frontier.length !== setBits(size)) {
      throw new MerkleReadError(
        `a tree of ${size} has ${setBits(size)} frontier hashes, not ${frontier.length}`,
      );
    }
    if (frontier.some((h) => h.length !== HASH_SIZE))
      throw new MerkleReadError('a frontier hash is not 32 bytes');
    this.#size = size;
    this.#frontier = frontier.slice();
    this.#root = undefined;
  }

  /** Rebuilds the frontier of the tree of `size` from storage (≤ 53 subtree reads). */
  static fromReader(size: number, reader: NodeReader, cache?: NodeCache): MerkleAppender {
    if (!isTreeSize(size)) throw new MerkleReadError(`not a tree size: ${size}`);
    const frontier: Buffer[] = [];
    let at = 0;
    while (at < size) {
      const width = powerOfTwoAtMost(size - at);
      frontier.push(subtreeHash(levelOf(width), at / width, reader, cache));
      at += width;
    }
    return new MerkleAppender(size, frontier);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Adds a leaf hash and returns the stored-level subtrees it completed (levels 4, 8, 12 …),
   * for the writer to persist in the same transaction as the leaf.
   */
  append(leafHash: Buffer): readonly StoredNode[] {
    if (leafHash.length !== HASH_SIZE) throw new MerkleReadError('a leaf hash is 32 bytes');
    if (this.#size >= MAX_TREE_SIZE) throw new MerkleReadError('the tree is full (2^53 leaves)');
    const newSize = this.#size + 1;
    let stored: StoredNode[] | undefined;
    let hash = leafHash;
    let level = 0;
    // Each trailing one bit of the old size is a perfect subtree of the same height as `hash`,
    // immediately to its left: merge and go up a level.
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) {
      hash = hashChildren(this.#frontier.pop()!, hash);
      level++;
      if (isStoredLevel(level)) {
        stored ??= [];
        stored.push({ level, index: newSize / 2 ** level - 1, hash });
      }
    }
    this.#frontier.push(hash);
    this.#size = newSize;
    this.#root = undefined;
    return stored ?? NONE;
  }

  /** MTH of the current tree: the frontier folded from the right, O(log n). */
  root(): Buffer {
    if (this.#root) return this.#root;
    const f = this.#frontier;
    if (f.length === 0) return EMPTY_ROOT;
    let hash = f[f.length - 1]!;
    for (let i = f.length - 2; i >= 0; i--) hash = hashChildren(f[i]!, hash);
    this.#root = hash;
    return hash;
  }

  /** The perfect-subtree hashes of the current size, one per set bit, largest first. */
  frontier(): Buffer[] {
    return this.#frontier.slice();
  }
}

function setBits(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

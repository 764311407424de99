import { MerkleAppender } from './merkle-appender.ts';
import { isStoredLevel, MerkleReadError, type NodeReader } from './merkle-nodes.ts';

// A tree held in memory the way the audit store holds it on disk: every leaf hash, plus the
// complete subtrees the appender reports at the stored levels. Tests, the benchmark and
// anything that checks a bundle offline (a DSAR export, a witness) use it; the store is the
// same contract over SQL.

export class MemoryTree implements NodeReader {
  readonly #leaves: Buffer[] = [];
  readonly #nodes = new Map<string, Buffer>();
  readonly #appender = new MerkleAppender(0, []);
  readonly #keepNodes: boolean;

  /** `keepNodes: false` behaves like a store written before stored levels existed. */
  constructor(opts: { keepNodes?: boolean } = {}) {
    this.#keepNodes = opts.keepNodes ?? true;
  }

  get size(): number {
    return this.#leaves.length;
  }

  append(leafHash: Buffer): void {
    const completed = this.#appender.append(leafHash);
    this.#leaves.push(leafHash);
    if (this.#keepNodes) for (const n of completed) this.#nodes.set(`${n.level}/${n.index}`, n.hash);
  }

  root(): Buffer {
    return this.#appender.root();
  }

  /** How many subtree hashes are kept besides the leaves. */
  get storedNodeCount(): number {
    return this.#nodes.size;
  }

  leafHashes(start: number, end: number): Buffer[] {
    if (start < 0 || end > this.#leaves.length || start > end) {
      throw new MerkleReadError(`leaves [${start}, ${end}) are not in a tree of ${this.#leaves.length}`);
    }
    return this.#leaves.slice(start, end);
  }

  storedNode(level: number, index: number): Buffer | undefined {
    return isStoredLevel(level) ? this.#nodes.get(`${level}/${index}`) : undefined;
  }
}

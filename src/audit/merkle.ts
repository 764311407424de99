// The audit log's Merkle tree (RFC 9162 §2.1, Certificate Transparency v2): hashing, reading
// complete subtrees from storage, inclusion and consistency proofs, and the single writer's
// appender. Pure and storage-agnostic: the store implements NodeReader. docs/audit.md,
// "Tamper evidence", describes the design.

export { MerkleAppender } from './merkle-appender.ts';
export {
  chainNext,
  EMPTY_ROOT,
  HASH_SIZE,
  hashChildren,
  hashLeaf,
  hashLeafText,
  isTreeSize,
  MAX_TREE_SIZE,
  rootOf,
  sha256,
  sha256Hex,
} from './merkle-hash.ts';
export { MemoryTree } from './merkle-memory.ts';
export {
  createNodeCache,
  isStoredLevel,
  MerkleReadError,
  type NodeCache,
  type NodeReader,
  rangeHash,
  rootAt,
  STORED_LEVEL_STEP,
  type StoredNode,
  subtreeHash,
} from './merkle-nodes.ts';
export { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from './merkle-proofs.ts';

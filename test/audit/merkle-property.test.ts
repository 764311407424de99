import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  consistencyProof,
  createNodeCache,
  EMPTY_ROOT,
  hashChildren,
  hashLeaf,
  inclusionProof,
  MemoryTree,
  MerkleAppender,
  type NodeReader,
  rootAt,
  rootOf,
  STORED_LEVEL_STEP,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.ts';

// Properties over random trees up to a few thousand leaves. One tree of MAX leaves serves every
// smaller size: a smaller tree is a prefix, and complete subtrees never change.

const MAX = 4100;
const leaf = (i: number) => hashLeaf(Buffer.from(`event ${i}`));
const leaves = Array.from({ length: MAX }, (_, i) => leaf(i));
const full = new MemoryTree();
const bare = new MemoryTree({ keepNodes: false });
for (const h of leaves) {
  full.append(h);
  bare.append(h);
}

/** MTH straight from the RFC 9162 §2.1.1 definition, independent of the code under test. */
function mth(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return hashes[0]!;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return createHash('sha256')
    .update(Buffer.of(1))
    .update(mth(hashes.slice(0, k)))
    .update(mth(hashes.slice(k)))
    .digest();
}

/** Sizes around powers of two (where the tree shape changes) and anywhere in between. */
const size = fc.oneof(
  fc.integer({ min: 1, max: 12 }).chain((p) => fc.constantFrom(2 ** p - 1, 2 ** p, 2 ** p + 1)),
  fc.integer({ min: 1, max: MAX }),
);
const sizeAndIndex = size.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
const sizePair = fc
  .tuple(size, size)
  .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]))
  .filter(([a, b]) => a < b);

const roots = new Map<number, Buffer>();
const rootFor = (n: number) => {
  let r = roots.get(n);
  if (!r) {
    r = rootOf(leaves.slice(0, n));
    roots.set(n, r);
  }
  return r;
};

function flip(buf: Buffer, bit: number): Buffer {
  const copy = Buffer.from(buf);
  copy[Math.floor(bit / 8) % copy.length]! ^= 1 << (bit % 8);
  return copy;
}

test('rootOf is the RFC definition of MTH', () => {
  for (let n = 0; n <= 300; n++) assert.deepEqual(rootOf(leaves.slice(0, n)), mth(leaves.slice(0, n)));
  for (const n of [511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097]) {
    assert.deepEqual(rootOf(leaves.slice(0, n)), mth(leaves.slice(0, n)), `size ${n}`);
  }
});

test('the appender gives rootOf at every size, reports each stored subtree once, and resumes', () => {
  const appender = new MerkleAppender(0, []);
  const reported = new Map<string, Buffer>();
  for (let n = 1; n <= MAX; n++) {
    for (const node of appender.append(leaves[n - 1]!)) {
      assert.equal(node.level % STORED_LEVEL_STEP, 0);
      assert.ok(node.level > 0);
      const key = `${node.level}/${node.index}`;
      assert.ok(!reported.has(key), `${key} reported twice`);
      // Reported the moment it completed: it ends exactly at the new size.
      assert.equal((node.index + 1) * 2 ** node.level, n);
      reported.set(key, node.hash);
    }
    assert.equal(appender.size, n);
    if (n <= 1100 || n % 97 === 0 || n === MAX) assert.deepEqual(appender.root(), rootFor(n), `size ${n}`);
  }
  // Every complete subtree at levels 4, 8 and 12: 256 + 16 + 1.
  assert.equal(reported.size, Math.floor(MAX / 16) + Math.floor(MAX / 256) + Math.floor(MAX / 4096));
  assert.equal(full.storedNodeCount, reported.size);
  for (const [key, hash] of reported) {
    const [level, index] = key.split('/').map(Number) as [number, number];
    assert.deepEqual(hash, mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)));
  }
  fc.assert(
    fc.property(size, (n) => {
      const resumed = new MerkleAppender(n, MerkleAppender.fromReader(n, full).frontier());
      assert.deepEqual(resumed.root(), rootFor(n));
      assert.deepEqual(MerkleAppender.fromReader(n, bare).root(), rootFor(n));
      if (n < MAX) {
        resumed.append(leaves[n]!);
        assert.deepEqual(resumed.root(), rootFor(n + 1));
      }
    }),
    { numRuns: 60 },
  );
});

test('subtreeHash through stored levels, through leaves only, and with gaps equals direct computation', () => {
  /** A reader that has lost some stored nodes: a store upgraded halfway, or pruned. */
  const gappy = (seed: number): NodeReader => ({
    leafHashes: (s, e) => full.leafHashes(s, e),
    storedNode: (level, index) =>
      (index * 31 + level * 7 + seed) % 3 === 0 ? undefined : full.storedNode(level, index),
  });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 12 }), fc.nat(), fc.nat(), (level, pick, seed) => {
      const count = Math.floor(MAX / 2 ** level);
      const index = pick % count;
      const want = mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
      assert.deepEqual(subtreeHash(level, index, full), want);
      assert.deepEqual(subtreeHash(level, index, bare), want);
      assert.deepEqual(subtreeHash(level, index, gappy(seed)), want);
    }),
    { numRuns: 150 },
  );
});

test('stored levels bound the reads: ≤ 16 leaves or stored nodes per step', () => {
  let leafReads = 0;
  let nodeReads = 0;
  const counting: NodeReader = {
    leafHashes: (s, e) => {
      leafReads += e - s;
      return full.leafHashes(s, e);
    },
    storedNode: (l, i) => {
      nodeReads++;
      return full.storedNode(l, i);
    },
  };
  // Level 11 (2048 leaves) = 8 stored level-8 nodes; level 10 = 4 of them; level 7 = 8 level-4.
  assert.deepEqual(subtreeHash(11, 1, counting), mth(leaves.slice(2048, 4096)));
  assert.deepEqual([leafReads, nodeReads], [0, 8]);
  nodeReads = 0;
  subtreeHash(7, 3, counting);
  assert.deepEqual([leafReads, nodeReads], [0, 8]);
  nodeReads = 0;
  subtreeHash(3, 5, counting);
  assert.deepEqual([leafReads, nodeReads], [8, 0]);
  leafReads = 0;
  // A whole-tree proof at 4100 leaves reads a handful of items, not thousands.
  inclusionProof(1234, MAX, counting);
  assert.ok(leafReads + nodeReads < 200, `${leafReads} leaves + ${nodeReads} nodes`);
});

test('every inclusion proof verifies; a flipped bit in proof, leaf, root or index fails', () => {
  fc.assert(
    fc.property(sizeAndIndex, fc.nat(), ([n, i], bit) => {
      const proof = inclusionProof(i, n, full);
      const root = rootFor(n);
      assert.deepEqual(inclusionProof(i, n, bare), proof);
      assert.equal(verifyInclusion(i, n, leaves[i]!, proof, root), true);
      assert.equal(verifyInclusion(i, n, flip(leaves[i]!, bit), proof, root), false);
      assert.equal(verifyInclusion(i, n, leaves[i]!, proof, flip(root, bit)), false);
      if (proof.length > 0) {
        const at = bit % proof.length;
        const bad = proof.slice();
        bad[at] = flip(bad[at]!, Math.floor(bit / proof.length));
        assert.equal(verifyInclusion(i, n, leaves[i]!, bad, root), false);
        assert.equal(verifyInclusion(i, n, leaves[i]!, proof.slice(1), root), false);
      }
      assert.equal(verifyInclusion(i, n, leaves[i]!, [...proof, root], root), false);
      const other = i ^ (1 << (bit % 13));
      if (other !== i) assert.equal(verifyInclusion(other, n, leaves[i]!, proof, root), false);
    }),
    { numRuns: 300 },
  );
});

test('an inclusion proof does not carry over to another size with that size’s root', () => {
  // The size itself is bound by the signed checkpoint that carries the root: a proof for leaf i
  // in the tree of n, checked against the genuine root of another size m, fails.
  fc.assert(
    fc.property(sizeAndIndex, fc.integer({ min: 0, max: 12 }), ([n, i], bit) => {
      const m = n ^ (1 << bit);
      if (m <= i || m > MAX || m === n) return;
      const proof = inclusionProof(i, n, full);
      assert.equal(verifyInclusion(i, m, leaves[i]!, proof, rootFor(m)), false);
    }),
    { numRuns: 200 },
  );
});

test('every consistency proof verifies; a flipped bit or another size fails', () => {
  fc.assert(
    fc.property(sizePair, fc.nat(), ([m, n], bit) => {
      const proof = consistencyProof(m, n, full);
      const [rm, rn] = [rootFor(m), rootFor(n)];
      assert.deepEqual(consistencyProof(m, n, bare), proof);
      assert.equal(verifyConsistency(m, n, rm, rn, proof), true);
      assert.equal(verifyConsistency(m, n, flip(rm, bit), rn, proof), false);
      assert.equal(verifyConsistency(m, n, rm, flip(rn, bit), proof), false);
      const at = bit % proof.length;
      const bad = proof.slice();
      bad[at] = flip(bad[at]!, Math.floor(bit / proof.length));
      assert.equal(verifyConsistency(m, n, rm, rn, bad), false);
      assert.equal(verifyConsistency(m, n, rm, rn, proof.slice(0, -1)), false);
      assert.equal(verifyConsistency(m, n, rm, rn, [...proof, rn]), false);
      // Another old or new size, with that size's genuine root.
      const m2 = m ^ (1 << (bit % 13));
      if (m2 !== m && m2 > 0 && m2 <= n)
        assert.equal(verifyConsistency(m2, n, rootFor(m2), rn, proof), false);
      const n2 = n ^ (1 << (bit % 13));
      if (n2 !== n && n2 >= m && n2 <= MAX)
        assert.equal(verifyConsistency(m, n2, rm, rootFor(n2), proof), false);
    }),
    { numRuns: 300 },
  );
});

test('a node cache serves repeated proofs without changing them', () => {
  const cache = createNodeCache(64);
  const plain = new Map<string, Buffer>();
  for (let i = 0; i < MAX; i += 37) {
    const want = inclusionProof(i, MAX, full);
    assert.deepEqual(inclusionProof(i, MAX, full, cache), want);
    assert.deepEqual(inclusionProof(i, MAX, full, plain), want);
  }
  assert.deepEqual(rootAt(MAX, full, cache), rootFor(MAX));
  assert.deepEqual(rootAt(0, full), EMPTY_ROOT);
  assert.ok(plain.size > 64);
});

test('the bounded node cache forgets the least recently used entry', () => {
  const cache = createNodeCache(2);
  const [a, b, c] = [leaf(1), leaf(2), leaf(3)];
  cache.set('4/0', a);
  cache.set('4/1', b);
  assert.equal(cache.get('4/0'), a); // now the most recently used
  cache.set('4/2', c);
  assert.equal(cache.get('4/1'), undefined);
  assert.equal(cache.get('4/0'), a);
  assert.equal(cache.get('4/2'), c);
  assert.throws(() => createNodeCache(0), RangeError);
});

test('sizes near 2^53 stay exact', () => {
  // A tree whose leaves are all the same: every complete subtree at a level has one hash, so a
  // reader can answer for 2^53 leaves without holding them.
  const h = hashLeaf(Buffer.from('x'));
  const perLevel = [h];
  for (let l = 1; l <= 53; l++) perLevel.push(hashChildren(perLevel[l - 1]!, perLevel[l - 1]!));
  const flat: NodeReader = {
    leafHashes: (s, e) => Array.from({ length: e - s }, () => h),
    storedNode: (level) => perLevel[level],
  };
  const n = 2 ** 53;
  const proof = inclusionProof(n - 1, n, flat);
  assert.equal(proof.length, 53);
  const p2 = inclusionProof(n - 2, n - 1, flat);
  assert.equal(verifyInclusion(n - 2, n - 1, h, p2, rootAt(n - 1, flat)), true);
  const c = consistencyProof(2 ** 52 + 3, n - 1, flat);
  assert.equal(
    verifyConsistency(2 ** 52 + 3, n - 1, rootAt(2 ** 52 + 3, flat), rootAt(n - 1, flat), c),
    true,
  );
  const resumed = MerkleAppender.fromReader(n - 1, flat);
  assert.equal(resumed.frontier().length, 53);
  resumed.append(h);
  assert.equal(resumed.size, n);
  assert.deepEqual(resumed.root(), rootAt(n, flat));
  assert.throws(() => resumed.append(h), /full/);
});

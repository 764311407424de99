import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  consistencyProof,
  EMPTY_ROOT,
  hashLeaf,
  inclusionProof,
  MemoryTree,
  MerkleAppender,
  rootAt,
  rootOf,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.ts';

// Known answers for RFC 6962 / RFC 9162 trees. The Merkle code of certificate-transparency-go
// moved to github.com/transparency-dev/merkle, where these vectors live now:
//   testonly/constants.go   LeafInputs, NodeHashes, RootHashes
//   proof/verify_test.go    inclusionProofs, consistencyProofs and the corruption probes
// Inclusion vectors there number leaves from 1; here they are the 0-based leaf index.

const hex = (s: string) => Buffer.from(s, 'hex');

const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

/** NodeHashes(): [level][index] of every complete subtree of the 8-leaf tree. */
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
].map((level) => level.map(hex));

/** RootHashes(): the root of the tree of the first n inputs, n = 0 … 8. */
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);

const INCLUSION: [index: number, size: number, proof: string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [0, 1, []],
];

const CONSISTENCY: [oldSize: number, newSize: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');
const leafHashes = LEAF_INPUTS.map(hashLeaf);
const tree = new MemoryTree();
for (const h of leafHashes) tree.append(h);

test('leaf hashes, every complete subtree and every root match the reference', () => {
  assert.deepEqual(EMPTY_ROOT, ROOTS[0]);
  NODE_HASHES.forEach((level, l) => {
    level.forEach((want, i) => {
      assert.deepEqual(subtreeHash(l, i, tree), want, `node ${l}/${i}`);
    });
  });
  const appender = new MerkleAppender(0, []);
  assert.deepEqual(appender.root(), ROOTS[0]);
  for (let n = 0; n <= 8; n++) {
    assert.deepEqual(rootOf(leafHashes.slice(0, n)), ROOTS[n], `rootOf ${n}`);
    assert.deepEqual(rootAt(n, tree), ROOTS[n], `rootAt ${n}`);
    if (n > 0) {
      appender.append(leafHashes[n - 1]!);
      assert.deepEqual(appender.root(), ROOTS[n], `appender ${n}`);
    }
  }
});

test('inclusion proofs equal the reference vectors and verify', () => {
  for (const [index, size, want] of INCLUSION) {
    const proof = inclusionProof(index, size, tree);
    assert.deepEqual(proof, want.map(hex), `proof ${index}/${size}`);
    assert.equal(verifyInclusion(index, size, leafHashes[index]!, proof, ROOTS[size]!), true);
  }
});

test('consistency proofs equal the reference vectors and verify', () => {
  for (const [oldSize, newSize, want] of CONSISTENCY) {
    const proof = consistencyProof(oldSize, newSize, tree);
    assert.deepEqual(proof, want.map(hex), `proof ${oldSize}→${newSize}`);
    assert.equal(verifyConsistency(oldSize, newSize, ROOTS[oldSize]!, ROOTS[newSize]!, proof), true);
  }
});

/** corruptInclusionProof() of verify_test.go: every probe must be refused. */
test('corrupted inclusion proofs are refused (the reference probes)', () => {
  for (const [index, size, hexProof] of INCLUSION) {
    const proof = hexProof.map(hex);
    const root = ROOTS[size]!;
    const leaf = leafHashes[index]!;
    const probes: [string, number, number, Buffer, Buffer[], Buffer][] = [
      ['index - 1', index - 1, size, leaf, proof, root],
      ['index + 1', index + 1, size, leaf, proof, root],
      ['index ^ 2', index ^ 2, size, leaf, proof, root],
      ['size * 2', index, size * 2, leaf, proof, root],
      ['size / 2', index, Math.floor(size / 2), leaf, proof, root],
      ['wrong leaf', index, size, Buffer.from('WrongLeaf'), proof, root],
      ['wrong 32-byte leaf', index, size, SOME_HASH, proof, root],
      ['empty root', index, size, leaf, proof, EMPTY_ROOT],
      ['random root', index, size, leaf, proof, SOME_HASH],
      ['trailing garbage', index, size, leaf, [...proof, Buffer.alloc(0)], root],
      ['trailing root', index, size, leaf, [...proof, root], root],
      ['preceding garbage', index, size, leaf, [Buffer.alloc(0), ...proof], root],
      ['preceding root', index, size, leaf, [root, ...proof], root],
    ];
    proof.forEach((_, i) => {
      const wrong = proof.map((p) => Buffer.from(p));
      wrong[i]![0]! ^= 8;
      probes.push([`proof[${i}] bit 3`, index, size, leaf, wrong, root]);
    });
    if (proof.length > 0) probes.push(['removed component', index, size, leaf, proof.slice(0, -1), root]);
    if (proof.length > 1) {
      probes.push(['inserted component', index, size, leaf, [proof[0]!, SOME_HASH, ...proof.slice(1)], root]);
    }
    for (const [desc, i, s, l, p, r] of probes) {
      assert.equal(verifyInclusion(i, s, l, p, r), false, `${index}/${size}: ${desc}`);
    }
  }
});

/** corruptConsistencyProof() of verify_test.go. */
test('corrupted consistency proofs are refused (the reference probes)', () => {
  for (const [size1, size2, hexProof] of CONSISTENCY) {
    const proof = hexProof.map(hex);
    if (proof.length === 0) continue;
    const root1 = ROOTS[size1]!;
    const root2 = ROOTS[size2]!;
    const probes: [string, number, number, Buffer, Buffer, Buffer[]][] = [
      ['size1 - 1', size1 - 1, size2, root1, root2, proof],
      ['size1 + 1', size1 + 1, size2, root1, root2, proof],
      ['size1 ^ 2', size1 ^ 2, size2, root1, root2, proof],
      ['size2 * 2', size1, size2 * 2, root1, root2, proof],
      ['size2 / 2', size1, Math.floor(size2 / 2), root1, root2, proof],
      ['wrong root1', size1, size2, Buffer.from('WrongRoot'), root2, proof],
      ['wrong root2', size1, size2, root1, Buffer.from('WrongRoot'), proof],
      ['swapped roots', size1, size2, root2, root1, proof],
      ['empty proof', size1, size2, root1, root2, []],
      ['trailing garbage', size1, size2, root1, root2, [...proof, Buffer.alloc(0)]],
      ['trailing root1', size1, size2, root1, root2, [...proof, root1]],
      ['trailing root2', size1, size2, root1, root2, [...proof, root2]],
      ['preceding garbage', size1, size2, root1, root2, [Buffer.alloc(0), ...proof]],
      ['preceding root1', size1, size2, root1, root2, [root1, ...proof]],
      ['preceding root2', size1, size2, root1, root2, [root2, ...proof]],
      ['preceding proof[0]', size1, size2, root1, root2, [proof[0]!, ...proof]],
      ['truncated proof', size1, size2, root1, root2, proof.slice(0, -1)],
    ];
    proof.forEach((_, i) => {
      const wrong = proof.map((p) => Buffer.from(p));
      wrong[i]![0]! ^= 16;
      probes.push([`proof[${i}] bit 4`, size1, size2, root1, root2, wrong]);
    });
    for (const [desc, s1, s2, r1, r2, p] of probes) {
      assert.equal(verifyConsistency(s1, s2, r1, r2, p), false, `${size1}→${size2}: ${desc}`);
    }
  }
});

test('edge sizes: TestVerifyInclusion / TestVerifyConsistency of verify_test.go', () => {
  const data = hashLeaf(Buffer.from('data'));
  // A one-leaf tree: the root is the leaf hash and the proof is empty.
  assert.equal(verifyInclusion(0, 1, data, [], data), true);
  assert.equal(verifyInclusion(0, 1, Buffer.alloc(0), [], data), false);
  assert.equal(verifyInclusion(0, 1, data, [], Buffer.alloc(0)), false);
  for (const [index, size] of [
    [0, 0],
    [1, 0],
    [2, 1],
  ] as const) {
    assert.equal(verifyInclusion(index, size, SOME_HASH, [], EMPTY_ROOT), false);
  }
  const r1 = SOME_HASH;
  const r2 = hashLeaf(SOME_HASH);
  // Equal sizes: equal roots and an empty proof, nothing else.
  assert.equal(verifyConsistency(1, 1, r2, r2, []), true);
  assert.equal(verifyConsistency(1, 1, r1, r2, []), false);
  assert.equal(verifyConsistency(1, 1, r2, r2, [EMPTY_ROOT]), false);
  // Going back in time, and a missing proof.
  assert.equal(verifyConsistency(1, 0, r1, r2, []), false);
  assert.equal(verifyConsistency(2, 1, r1, r2, []), false);
  assert.equal(verifyConsistency(1, 2, r1, r2, []), false);
  // The empty tree is consistent with anything, but here its root must be the empty root
  // (the Go tests accept any bytes for it).
  assert.equal(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []), true);
  assert.equal(verifyConsistency(0, 1, EMPTY_ROOT, r2, []), true);
  assert.equal(verifyConsistency(0, 1, r1, r2, []), false);
  assert.equal(verifyConsistency(0, 1, EMPTY_ROOT, r2, [EMPTY_ROOT]), false);
  assert.equal(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), false);
});

test('verification answers false, never throws, on malformed input', () => {
  const proof = inclusionProof(5, 8, tree);
  const leaf = leafHashes[5]!;
  const root = ROOTS[8]!;
  const bad: unknown[][] = [
    [5.5, 8, leaf, proof, root],
    [-1, 8, leaf, proof, root],
    [5, 2 ** 53 + 2, leaf, proof, root],
    [5, Number.NaN, leaf, proof, root],
    [5, 8, 'leaf', proof, root],
    [5, 8, leaf, 'proof', root],
    [5, 8, leaf, [...proof.slice(0, 2), 'x'], root],
    [5, 8, leaf, proof, null],
    [5, 8, leaf, Array(200).fill(root), root],
  ];
  for (const args of bad) {
    assert.equal((verifyInclusion as (...a: unknown[]) => boolean)(...args), false, String(args[0]));
  }
  const cproof = consistencyProof(6, 8, tree);
  for (const args of [
    [6, 8, ROOTS[6], ROOTS[8], [...cproof, 7]],
    [6, 8.5, ROOTS[6], ROOTS[8], cproof],
    [6, 8, ROOTS[6], undefined, cproof],
    [-6, 8, ROOTS[6], ROOTS[8], cproof],
  ]) {
    assert.equal((verifyConsistency as (...a: unknown[]) => boolean)(...args), false);
  }
});

test('proof generation refuses what does not exist', () => {
  assert.throws(() => inclusionProof(8, 8, tree), /no leaf 8 in a tree of 8/);
  assert.throws(() => inclusionProof(0, 0, tree), /no leaf/);
  assert.throws(() => consistencyProof(5, 4, tree), /no consistency proof/);
  // The reader has 8 leaves; a proof in a tree of 9 asks it for one it does not have.
  assert.throws(() => inclusionProof(0, 9, tree));
});

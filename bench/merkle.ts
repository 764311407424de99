// `node --import tsx bench/merkle.ts [leaves]`: the audit Merkle tree at 1,000,000 leaves (or the
// count given). Leaf appends/s against the cost of one SHA-256 node hash measured in the same
// run (the target: about one node hash per leaf), root(), inclusion and consistency proofs
// through an in-memory NodeReader with and without a 4,096-entry node cache, verification,
// and checkpoint signing. Prints figures; asserts nothing (STYLE.md §14).

import * as crypto from 'node:crypto';
import { openCheckpoint, signCheckpoint } from '../src/audit/checkpoint.ts';
import {
  consistencyProof,
  createNodeCache,
  hashChildren,
  hashLeaf,
  inclusionProof,
  MemoryTree,
  MerkleAppender,
  type NodeCache,
  type NodeReader,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../src/audit/merkle.ts';
import { ed25519Signer, ed25519Verifier } from '../src/audit/signed-note.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const PROOFS = 1000;

function ns(): bigint {
  return process.hrtime.bigint();
}

/** Runs `fn` `count` times (after a short warm-up) and returns ns per call. */
function perCall(count: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(count, 2000); i++) fn(i);
  const t = ns();
  for (let i = 0; i < count; i++) fn(i);
  return Number(ns() - t) / count;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** µs per call for each call of `fn` over `inputs`, summarised. */
function timeEach<T>(inputs: T[], fn: (x: T) => unknown): { mean: number; p50: number; p99: number } {
  const times: number[] = [];
  for (const x of inputs) {
    const t = ns();
    fn(x);
    times.push(Number(ns() - t) / 1000);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  times.sort((a, b) => a - b);
  return { mean, p50: percentile(times, 50), p99: percentile(times, 99) };
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);
const line = (label: string, value: string) => console.log(`${label.padEnd(58)} ${value}`);

/** Counts what a proof reads from the store. */
function counting(reader: NodeReader): NodeReader & { items: number; calls: number } {
  const c = {
    items: 0,
    calls: 0,
    leafHashes(s: number, e: number) {
      c.calls++;
      c.items += e - s;
      return reader.leafHashes(s, e);
    },
    storedNode(l: number, i: number) {
      c.calls++;
      c.items++;
      return reader.storedNode(l, i);
    },
  };
  return c;
}

console.log(`audit Merkle tree, ${N.toLocaleString('en')} leaves, Node ${process.version}\n`);

// --- One SHA-256 node hash, five ways: the baseline for everything below. The machine is
// shared, so the variants run interleaved for ROUNDS rounds and each reports its best round.
const ROUNDS = 5;
const l = crypto.randomBytes(32);
const r = crypto.randomBytes(32);
const one = Buffer.of(1);
const scratch = Buffer.alloc(65, 1);
const prefixed = crypto.createHash('sha256').update(one);
const variants: [string, () => unknown][] = [
  [
    'node hash: createHash().update ×3 .digest()',
    () => crypto.createHash('sha256').update(one).update(l).update(r).digest(),
  ],
  ['node hash: reused prefixed hasher .copy()', () => prefixed.copy().update(l).update(r).digest()],
  ...(typeof crypto.hash === 'function'
    ? [
        [
          'node hash: crypto.hash one-shot, a Buffer out',
          () => {
            scratch.set(l, 1);
            scratch.set(r, 33);
            return crypto.hash('sha256', scratch, 'buffer');
          },
        ] as [string, () => unknown],
        [
          "node hash: crypto.hash one-shot, 'binary' out, pooled",
          () => {
            scratch.set(l, 1);
            scratch.set(r, 33);
            return Buffer.from(crypto.hash('sha256', scratch, 'binary'), 'binary');
          },
        ] as [string, () => unknown],
      ]
    : []),
  ['node hash: hashChildren (what the tree uses)', () => hashChildren(l, r)],
];
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of variants)
    best.set(name, Math.min(best.get(name) ?? Infinity, perCall(100_000, fn)));
}
for (const [name, value] of best) line(name, `${fmt(value, 0)} ns (best of ${ROUNDS})`);
const event = crypto.randomBytes(600);
line(
  'leaf hash of a 600-byte event (hashLeaf)',
  `${fmt(
    perCall(100_000, () => hashLeaf(event)),
    0,
  )} ns`,
);

// --- Appends, interleaved with the same number of bare hashChildren calls as the baseline.
const leaves = Array.from({ length: N }, (_, i) => hashLeaf(Buffer.from(`event ${i}`)));
let appendNs = Infinity;
let baselineNs = Infinity;
let storedReported = 0;
let appender = new MerkleAppender(0, []);
let t: bigint;
for (let round = 0; round < 3; round++) {
  appender = new MerkleAppender(0, []);
  storedReported = 0;
  t = ns();
  for (const h of leaves) storedReported += appender.append(h).length;
  appendNs = Math.min(appendNs, Number(ns() - t) / N);
  t = ns();
  for (let i = 0; i < N; i++) hashChildren(leaves[i]!, r);
  baselineNs = Math.min(baselineNs, Number(ns() - t) / N);
}
console.log();
line(
  'append (leaf hash given), best of 3',
  `${fmt(appendNs, 0)} ns/leaf, ${fmt(1e9 / appendNs / 1000, 0)}k leaves/s`,
);
line('  baseline: one hashChildren per leaf, best of 3', `${fmt(baselineNs, 0)} ns`);
line('  append in node hashes per leaf', fmt(appendNs / baselineNs));
line('  stored subtrees reported (extra rows per leaf)', `${storedReported} (${fmt(storedReported / N, 4)})`);
const frontier = appender.frontier();
const rootNs = perCall(20_000, () => new MerkleAppender(N, frontier).root());
line(`root() from the frontier (${frontier.length} hashes)`, `${fmt(rootNs / 1000)} µs`);

// --- The in-memory store and proofs.
const tree = new MemoryTree();
for (const h of leaves) tree.append(h);
const root = tree.root();
const rnd = (n: number) => Math.floor(Math.random() * n);
const indices = Array.from({ length: PROOFS }, () => rnd(N));

console.log();
const probe = counting(tree);
t = ns();
const rootViaReader = rootAt(N, probe);
line('rootAt(size) through the reader', `${fmt(Number(ns() - t) / 1000)} µs, ${probe.items} items read`);
if (!rootViaReader.equals(root)) throw new Error('rootAt disagrees with the appender');

const proofs = new Map<number, Buffer[]>();
const noCache = timeEach(indices, (i) => proofs.set(i, inclusionProof(i, N, tree)));
line(
  `inclusion proof, no cache (${PROOFS} random leaves)`,
  `mean ${fmt(noCache.mean)} µs, p50 ${fmt(noCache.p50)}, p99 ${fmt(noCache.p99)}`,
);
const probe2 = counting(tree);
for (const i of indices.slice(0, 100)) inclusionProof(i, N, probe2);
line('  store reads per proof', `${fmt(probe2.calls / 100, 1)} calls, ${fmt(probe2.items / 100, 1)} items`);

const cache: NodeCache = createNodeCache(4096);
const withCache = timeEach(indices, (i) => inclusionProof(i, N, tree, cache));
line(
  'inclusion proof, 4,096-entry cache across the same 1,000',
  `mean ${fmt(withCache.mean)} µs, p50 ${fmt(withCache.p50)}, p99 ${fmt(withCache.p99)}`,
);
// A data-subject export: hundreds of events clustered in time share most upper nodes.
const start = rnd(N - 50_000);
const clustered = Array.from({ length: PROOFS }, () => start + rnd(50_000));
const clusterCache = createNodeCache(4096);
const clusteredCached = timeEach(clustered, (i) => inclusionProof(i, N, tree, clusterCache));
const clusteredPlain = timeEach(clustered, (i) => inclusionProof(i, N, tree));
line(
  '  1,000 leaves within 50,000 (a DSAR export), no cache',
  `mean ${fmt(clusteredPlain.mean)} µs, p50 ${fmt(clusteredPlain.p50)}`,
);
line(
  '  … with the 4,096-entry cache',
  `mean ${fmt(clusteredCached.mean)} µs, p50 ${fmt(clusteredCached.p50)}`,
);

const verify = timeEach(indices, (i) => verifyInclusion(i, N, leaves[i]!, proofs.get(i)!, root));
line('verifyInclusion', `mean ${fmt(verify.mean)} µs, p50 ${fmt(verify.p50)}, p99 ${fmt(verify.p99)}`);

const pairs = indices.slice(0, 200).map((i) => [Math.max(1, i), N] as const);
const oldRoots = new Map(pairs.map(([m]) => [m, rootAt(m, tree, cache)]));
const cproofs = new Map<number, Buffer[]>();
const cgen = timeEach(pairs, ([m, n]) => cproofs.set(m, consistencyProof(m, n, tree, cache)));
line('consistency proof m → size, cache (200 random m)', `mean ${fmt(cgen.mean)} µs, p50 ${fmt(cgen.p50)}`);
const cver = timeEach(pairs, ([m, n]) => verifyConsistency(m, n, oldRoots.get(m)!, root, cproofs.get(m)!));
line('verifyConsistency', `mean ${fmt(cver.mean)} µs, p50 ${fmt(cver.p50)}`);

// --- Without stored levels (a store that keeps only leaves), for scale.
const bare: NodeReader = { leafHashes: (s, e) => tree.leafHashes(s, e), storedNode: () => undefined };
const bareTimes = timeEach(indices.slice(0, 3), (i) => inclusionProof(i, N, bare));
line('inclusion proof from leaves only (3 proofs, baseline)', `mean ${fmt(bareTimes.mean / 1000, 1)} ms`);

// --- Checkpoints.
console.log();
const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
const signer = ed25519Signer('custos.example/audit', privateKey);
const verifier = ed25519Verifier('custos.example/audit', publicKey);
const cp = { origin: signer.name, size: N, rootHash: root };
const signNs = perCall(2000, () => signCheckpoint(cp, signer));
const note = signCheckpoint(cp, signer);
const openNs = perCall(2000, () => openCheckpoint(note, [verifier]));
line('signCheckpoint (Ed25519)', `${fmt(signNs / 1000)} µs`);
line('openCheckpoint (parse + verify)', `${fmt(openNs / 1000)} µs`);

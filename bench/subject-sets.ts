import { randomBytes } from 'node:crypto';
import { hexSlices } from '../src/masking/hex-slices.ts';
import { foldSets, subjectSet } from '../src/store/subject-sets.ts';

// The blind index's CPU per event for a large answer (src/store/subject-sets.ts), in process:
// building the subject set of one `npm run bench` customer answer (~2,060 keyed hashes, in hex as
// the masking engine hands them out), and folding a bucket of 256 such events into postings: every
// event the same 1,650 subjects plus 50 of its own (the bench's repeated customer list), and every
// event 1,700 subjects of its own (~435,000 postings). The fold is measured as the store consumes
// it, posting by posting, without the SQL inserts. A benchmark, not a test.
//   node --import tsx bench/subject-sets.ts

const KEYS = 2064;
const hexKeys = (n: number): string[] => {
  const out: string[] = [];
  hexSlices(Buffer.from(randomBytes(n * 32).toString('hex'), 'latin1'), n, out, 0);
  return out;
};

function perCall(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.max(3, iterations / 4); i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

const answers = Array.from({ length: 50 }, () => hexKeys(KEYS));
let a = 0;
const setUs = perCall(() => subjectSet(answers[a++ % answers.length] as string[]), 2000);

const common = hexKeys(1650);
const bucket = 7;
const sets = Array.from({ length: 256 }, (_, i) => ({
  seq: bucket * 256 + i,
  keys: (subjectSet([...common, ...hexKeys(50)]) as { keys: Buffer }).keys,
}));
const fold = (bucketSets: { seq: number; keys: Buffer }[]): number => {
  let postings = 0;
  for (const p of foldSets(bucket, bucketSets)) postings += p.offsets.length > 0 ? 1 : 0;
  return postings;
};
const foldUs = perCall(() => fold(sets), 10);
const distinct = Array.from({ length: 256 }, (_, i) => ({
  seq: bucket * 256 + i,
  keys: (subjectSet(hexKeys(1700)) as { keys: Buffer }).keys,
}));
const distinctUs = perCall(() => fold(distinct), 4);

process.stdout.write(
  `Node ${process.version}\n` +
    `subject set of one answer (${KEYS} keys):                  ${setUs.toFixed(0)} µs\n` +
    `fold of a bucket (256 events × 1,700 keys, 1,650 shared): ${(foldUs / 1000).toFixed(1)} ms (${(foldUs / 256).toFixed(0)} µs per event)\n` +
    `fold of a bucket (256 events × 1,700 keys, none shared):  ${(distinctUs / 1000).toFixed(1)} ms (${(distinctUs / 256).toFixed(0)} µs per event)\n`,
);

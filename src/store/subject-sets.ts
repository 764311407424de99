// The blind index's two shapes (docs/audit.md, "Data subjects"). An answer can carry thousands
// of identifiers (a 75 KB customer list has ~1,650), and one B-tree row per (subject, event) means
// thousands of inserts at random places of an ever-growing index per event: 20–50 ms of CPU and
// page I/O per such answer once the index outgrows SQLite's cache. Instead each event stores one
// *subject set* (its keys, sorted, in one blob: a sequential insert), and every SUBJECT_BUCKET
// events the sets are folded into *postings* — one row per distinct subject of the bucket, holding
// the offsets of the events that touched it — and the sets are dropped (over the appends that
// follow, a step at a time: subject-fold.ts). A search reads a subject's postings (one index range)
// and binary-searches the sets of the buckets not folded yet.

/** Bytes of one blind-index key (a keyed BLAKE2s-256 of an identifier's normal form). */
export const SUBJECT_KEY_BYTES = 32;
/** Events per bucket: offsets in a posting fit one byte. */
export const SUBJECT_BUCKET = 256;

/**
 * The subject set of an event from its keys, in hex and as bytes: sorted by their bytes, without
 * duplicates, each 32 bytes. Strings that are not 64 hex digits are left out. `rawKeys` holds keys
 * already decoded, 32 bytes each, several to a buffer (what the mask step found in an answer; a
 * trailing part shorter than a key is left out). Null when none is left.
 */
export function subjectSet(
  hexKeys: Iterable<string>,
  rawKeys: readonly Buffer[] = [],
): { keys: Buffer; count: number } | null {
  // No Set of strings and no lower-casing: the keys are decoded as they come (hex decoding takes
  // either case) and duplicates are dropped once sorted, as bytes.
  const list: string[] = [];
  for (const h of hexKeys) if (h.length === SUBJECT_KEY_BYTES * 2) list.push(h);
  let decoded = 0;
  for (const b of rawKeys) decoded += Math.floor(b.length / SUBJECT_KEY_BYTES);
  if (list.length + decoded === 0) return null;
  const raw = Buffer.allocUnsafeSlow((list.length + decoded) * SUBJECT_KEY_BYTES);
  let n = 0;
  for (const b of rawKeys) {
    const keys = Math.floor(b.length / SUBJECT_KEY_BYTES);
    b.copy(raw, n * SUBJECT_KEY_BYTES, 0, keys * SUBJECT_KEY_BYTES);
    n += keys;
  }
  for (let from = 0; from < list.length; from += JOIN) {
    const part = list.slice(from, from + JOIN);
    // write() stops at the first character that is not hex: then the part is taken key by key.
    if (raw.write(part.join(''), n * SUBJECT_KEY_BYTES, 'hex') === part.length * SUBJECT_KEY_BYTES)
      n += part.length;
    else for (const h of part) if (HEX_KEY.test(h)) raw.write(h, n++ * SUBJECT_KEY_BYTES, 'hex');
  }
  return n === 0 ? null : sortedKeys(raw, n);
}

const WORDS = SUBJECT_KEY_BYTES / 4;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/**
 * Keys joined into one string to decode: 64 KB of digits. A string over 128 KB goes to V8's
 * large-object space, one mmap and munmap each (the ~2,060 keys of a 75 KB answer, joined whole,
 * cost ~450 µs instead of ~40).
 */
const JOIN = 1024;

/** Radix digits of a 32-bit prefix: 11, 11 and 10 bits (three passes instead of four of 8 bits). */
const DIGIT_BITS = 11;
const DIGITS = 3;
const RADIX = 1 << DIGIT_BITS;

/** 32-byte keys numbered from 0, as byteOrder sees them. */
interface Keys {
  /** Each key's first four bytes, big-endian. */
  prefix: Uint32Array;
  /** Whether two keys are the same. */
  same: (x: number, y: number) => boolean;
  /** How two keys compare by their bytes (only for different keys under one prefix: rare). */
  compare: (x: number, y: number) => number;
}

/**
 * The order of 32-byte keys by their bytes (`order`; equal keys stay in index order), and which
 * places of it start a new key (`first[i]` is 1 where `order[i]` differs from `order[i - 1]`).
 * A sort of strings or a comparator costs ~0.5 ms for an answer's ~1,650 keys and seconds for a
 * bucket's ~400,000; here a stable radix sort (three passes) orders them by their prefix, and only
 * runs whose prefixes tie — the same key in several events, or rarely another, since they are
 * keyed hashes — are looked at in full: compared word by word for equality, and sorted by their
 * bytes only when they hold another key. The callers group equal keys by `first` rather than
 * comparing neighbours again (in a folded bucket every key is one of ~256 copies).
 */
function byteOrder({ prefix, same, compare }: Keys): { order: Uint32Array; first: Uint8Array } {
  const n = prefix.length;
  // One counting pass for all three digits; then each pass moves (prefix, index) pairs, reading
  // both in order rather than the prefix through the index (a cache miss per key in a bucket's
  // ~1.7 MB of prefixes).
  const counts = new Uint32Array(DIGITS * RADIX);
  const mask = RADIX - 1;
  for (let i = 0; i < n; i++) {
    const p = prefix[i] as number;
    (counts[p & mask] as number)++;
    (counts[RADIX + ((p >>> DIGIT_BITS) & mask)] as number)++;
    (counts[2 * RADIX + (p >>> (2 * DIGIT_BITS))] as number)++;
  }
  for (let d = 0; d < DIGITS; d++) {
    let at = 0;
    for (let v = d * RADIX; v < (d + 1) * RADIX; v++) {
      const c = counts[v] as number;
      counts[v] = at;
      at += c;
    }
  }
  let fromP = prefix;
  let fromO: Uint32Array | null = null;
  let toP = new Uint32Array(n);
  let toO = new Uint32Array(n);
  let spareP = new Uint32Array(n);
  let spareO = new Uint32Array(n);
  for (let d = 0; d < DIGITS; d++) {
    const shift = d * DIGIT_BITS;
    const base = d * RADIX;
    for (let i = 0; i < n; i++) {
      const p = fromP[i] as number;
      const at = (counts[base + ((p >>> shift) & mask)] as number)++;
      toP[at] = p;
      toO[at] = fromO === null ? i : (fromO[i] as number);
    }
    fromP = toP;
    fromO = toO;
    [toP, toO, spareP, spareO] = [spareP, spareO, toP, toO];
  }
  const order = fromO as Uint32Array;
  const first = new Uint8Array(n);
  for (let a = 0; a < n; ) {
    const p = fromP[a];
    const head = order[a] as number;
    let b = a + 1;
    let mixed = false;
    while (b < n && fromP[b] === p) {
      if (!mixed && !same(order[b] as number, head)) mixed = true;
      b++;
    }
    first[a] = 1;
    if (mixed) {
      // Another key under the same four bytes: this run is sorted in full (stable: index order
      // kept), and each change of key starts a new one.
      order.set(Array.from(order.subarray(a, b)).sort(compare), a);
      for (let k = a + 1; k < b; k++) if (!same(order[k] as number, order[k - 1] as number)) first[k] = 1;
    }
    a = b;
  }
  return { order, first };
}

/** Whether keys `x` and `y` of `words` (eight words each) are the same. */
function sameKey(words: Uint32Array, x: number, y: number): boolean {
  for (let w = 0; w < WORDS; w++) if (words[x * WORDS + w] !== words[y * WORDS + w]) return false;
  return true;
}

/**
 * Sorts the first `n` 32-byte keys of `raw` by their bytes and drops duplicates, copying them word
 * by word (Buffer#copy and #compare cost ~50 ns a call). `raw` starts on a 4-byte boundary (it is
 * read as words): subjectSet allocates it on its own.
 */
function sortedKeys(raw: Buffer, n: number): { keys: Buffer; count: number } {
  const words = new Uint32Array(raw.buffer, raw.byteOffset, n * WORDS);
  const view = new DataView(raw.buffer, raw.byteOffset, n * SUBJECT_KEY_BYTES);
  const prefix = new Uint32Array(n);
  for (let i = 0; i < n; i++) prefix[i] = view.getUint32(i * SUBJECT_KEY_BYTES);
  const { order, first } = byteOrder({
    prefix,
    same: (x, y) => sameKey(words, x, y),
    compare: (x, y) => Buffer.compare(keyAt(raw, x), keyAt(raw, y)),
  });
  const out = new Uint32Array(n * WORDS);
  let count = 0;
  for (let k = 0; k < n; k++) {
    if (first[k] === 0) continue;
    const i = order[k] as number;
    for (let w = 0; w < WORDS; w++) out[count * WORDS + w] = words[i * WORDS + w] as number;
    count++;
  }
  return { keys: Buffer.from(out.buffer, 0, count * SUBJECT_KEY_BYTES), count };
}

/** Key `i` of a buffer of 32-byte keys. */
const keyAt = (keys: Buffer, i: number): Buffer =>
  keys.subarray(i * SUBJECT_KEY_BYTES, (i + 1) * SUBJECT_KEY_BYTES);

/** A set's keys as words (native order, for equality), copied only when not on a 4-byte boundary. */
function wordsOf(keys: Buffer, n: number): Uint32Array {
  if (keys.byteOffset % 4 === 0) return new Uint32Array(keys.buffer, keys.byteOffset, n * WORDS);
  const aligned = new Uint32Array(n * WORDS);
  Buffer.from(aligned.buffer).set(keys.subarray(0, n * SUBJECT_KEY_BYTES));
  return aligned;
}

/** The keys of a subject set, one 32-byte view each. */
export function setKeys(set: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o + SUBJECT_KEY_BYTES <= set.length; o += SUBJECT_KEY_BYTES)
    out.push(set.subarray(o, o + SUBJECT_KEY_BYTES));
  return out;
}

/** Whether a sorted subject set holds `key` (binary search). */
export function setHas(set: Buffer, key: Buffer): boolean {
  if (key.length !== SUBJECT_KEY_BYTES) return false;
  let lo = 0;
  let hi = Math.floor(set.length / SUBJECT_KEY_BYTES) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const o = mid * SUBJECT_KEY_BYTES;
    const c = set.compare(key, 0, SUBJECT_KEY_BYTES, o, o + SUBJECT_KEY_BYTES);
    if (c === 0) return true;
    // compare() orders the set's slice against key: below zero, the slice sorts first.
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A subject set without the given keys (erasure); null when nothing is left. */
export function setWithout(set: Buffer, drop: readonly Buffer[]): Buffer | null {
  const kept = setKeys(set).filter((k) => !drop.some((d) => d.equals(k)));
  return kept.length === 0 ? null : Buffer.concat(kept);
}

/** One posting: a subject and the offsets (within its bucket, ascending) of the events that touched it. */
export interface Posting {
  subject: Buffer;
  offsets: Buffer;
}

/**
 * Folds a bucket's subject sets into postings, sorted by subject (they are inserted in that order,
 * so the B-tree is walked once rather than at random). The postings come one at a time, for the
 * caller to insert as they come: a bucket of distinct subjects has ~435,000 of them, and kept all
 * at once they would outlive V8's young generation (~0.7 s a bucket, half of it garbage
 * collection, against ~0.2 s). A posting's subject is a view of its set's keys.
 */
export function* foldSets(
  bucket: number,
  sets: Iterable<{ seq: number; keys: Buffer }>,
): Generator<Posting, void, undefined> {
  const base = bucket * SUBJECT_BUCKET;
  // Per offset in the bucket (an event has one set): its keys, as bytes and as words, and the
  // number of its first key among all the bucket's keys, which are numbered set after set.
  const bytesAt: Buffer[] = [];
  const wordsAt: Uint32Array[] = [];
  const startAt = new Uint32Array(SUBJECT_BUCKET);
  const offsets: number[] = [];
  let total = 0;
  for (const { seq, keys } of sets) {
    const offset = seq - base;
    if (!Number.isInteger(offset) || offset < 0 || offset >= SUBJECT_BUCKET)
      throw new RangeError(`event ${seq} is not in bucket ${bucket}`);
    if (bytesAt[offset] !== undefined) throw new RangeError(`event ${seq} has two subject sets`);
    const n = Math.floor(keys.length / SUBJECT_KEY_BYTES);
    bytesAt[offset] = keys;
    wordsAt[offset] = wordsOf(keys, n);
    startAt[offset] = total;
    offsets.push(offset);
    total += n;
  }
  if (total === 0) return;
  // The keys are read where they are (no copy of a bucket's ~14 MB into one buffer, whose fresh
  // pages cost more than the sort); each key's number leads to its event's offset.
  const owner = new Uint8Array(total);
  const prefix = new Uint32Array(total);
  for (const offset of offsets) {
    const keys = bytesAt[offset] as Buffer;
    const start = startAt[offset] as number;
    const n = (wordsAt[offset] as Uint32Array).length / WORDS;
    owner.fill(offset, start, start + n);
    for (let i = 0; i < n; i++) prefix[start + i] = keys.readUInt32BE(i * SUBJECT_KEY_BYTES);
  }
  const local = (x: number): number => x - (startAt[owner[x] as number] as number);
  const same = (x: number, y: number): boolean => {
    const wx = wordsAt[owner[x] as number] as Uint32Array;
    const wy = wordsAt[owner[y] as number] as Uint32Array;
    const ix = local(x) * WORDS;
    const iy = local(y) * WORDS;
    for (let w = 0; w < WORDS; w++) if (wx[ix + w] !== wy[iy + w]) return false;
    return true;
  };
  const key = (x: number): Buffer => keyAt(bytesAt[owner[x] as number] as Buffer, local(x));
  // Sorted by bytes (equal keys keep their numbering's order), a subject's keys lie side by side.
  const { order, first } = byteOrder({ prefix, same, compare: (x, y) => Buffer.compare(key(x), key(y)) });
  for (let a = 0; a < total; ) {
    const head = order[a] as number;
    let b = a + 1;
    while (b < total && first[b] === 0) b++;
    const events = Buffer.allocUnsafe(b - a);
    for (let k = a; k < b; k++) events[k - a] = owner[order[k] as number] as number;
    // Sets come in no promised order: the offsets are sorted (a no-op when they came by seq).
    events.sort();
    yield { subject: key(head), offsets: events };
    a = b;
  }
}

/** The events a posting names. */
export function postingSeqs(bucket: number, offsets: Buffer): number[] {
  const base = bucket * SUBJECT_BUCKET;
  return [...offsets].map((o) => base + o);
}

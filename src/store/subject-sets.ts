// The blind index's two shapes (docs/audit.md, "Data subjects"). An answer can carry thousands
// of identifiers (a 75 KB customer list has ~1,650), and one B-tree row per (subject, event) means
// thousands of inserts at random places of an ever-growing index per event: 20–50 ms of CPU and
// page I/O per such answer once the index outgrows SQLite's cache. Instead each event stores one
// *subject set* (its keys, sorted, in one blob: a sequential insert), and every SUBJECT_BUCKET
// events the sets are folded into *postings* — one row per distinct subject of the bucket, holding
// the offsets of the events that touched it — and the sets are dropped. A search reads a subject's
// postings (one index range) and binary-searches the sets of the bucket not folded yet.

/** Bytes of one blind-index key (a keyed BLAKE2s-256 of an identifier's normal form). */
export const SUBJECT_KEY_BYTES = 32;
/** Events per bucket: offsets in a posting fit one byte. */
export const SUBJECT_BUCKET = 256;

/**
 * The subject set of an event from its keys in hex: sorted by their bytes, without duplicates,
 * each 32 bytes. Strings that are not 64 hex digits are left out. Null when none is left.
 */
export function subjectSet(hexKeys: Iterable<string>): { keys: Buffer; count: number } | null {
  // No Set of strings and no lower-casing: the keys are decoded as they come (hex decoding takes
  // either case) and duplicates are dropped once sorted, as bytes.
  const list: string[] = [];
  for (const h of hexKeys) if (h.length === SUBJECT_KEY_BYTES * 2) list.push(h);
  if (list.length === 0) return null;
  const raw = Buffer.allocUnsafeSlow(list.length * SUBJECT_KEY_BYTES);
  let n = 0;
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

/**
 * The order of 32-byte keys by their bytes, given each key's first four bytes as a big-endian
 * number (`prefix`, one per key) and how two keys compare on the rest (`rest`); equal keys stay in index order.
 * A sort of strings or a comparator costs ~0.5 ms for an answer's ~1,650 keys and seconds for a
 * bucket's ~400,000; here a stable radix sort (four passes of eight bits) orders them by their
 * prefix, and only runs whose prefixes tie — the same key in several events, or rarely another,
 * since they are keyed hashes — are compared in full.
 */
function byteOrder(prefix: Uint32Array, rest: (x: number, y: number) => number): Uint32Array {
  const n = prefix.length;
  // One counting pass for all four digits; then each pass moves (prefix, index) pairs, reading
  // both in order rather than the prefix through the index (a cache miss per key in a bucket's
  // ~1.7 MB of prefixes).
  const counts = new Uint32Array(4 * 256);
  for (let i = 0; i < n; i++) {
    const p = prefix[i] as number;
    (counts[p & 0xff] as number)++;
    (counts[256 + ((p >>> 8) & 0xff)] as number)++;
    (counts[512 + ((p >>> 16) & 0xff)] as number)++;
    (counts[768 + (p >>> 24)] as number)++;
  }
  for (let d = 0; d < 4; d++) {
    let at = 0;
    for (let v = d * 256; v < (d + 1) * 256; v++) {
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
  for (let d = 0; d < 4; d++) {
    const shift = d * 8;
    const base = d * 256;
    for (let i = 0; i < n; i++) {
      const p = fromP[i] as number;
      const at = (counts[base + ((p >>> shift) & 0xff)] as number)++;
      toP[at] = p;
      toO[at] = fromO === null ? i : (fromO[i] as number);
    }
    fromP = toP;
    fromO = toO;
    [toP, toO, spareP, spareO] = [spareP, spareO, toP, toO];
  }
  const order = fromO as Uint32Array;
  for (let a = 0; a < n; ) {
    const p = fromP[a];
    let b = a + 1;
    let mixed = false;
    while (b < n && fromP[b] === p) {
      if (!mixed && rest(order[b] as number, order[a] as number) !== 0) mixed = true;
      b++;
    }
    // Another key under the same four bytes: this run is sorted in full (stable: index order kept).
    if (mixed) order.set(Array.from(order.subarray(a, b)).sort(rest), a);
    a = b;
  }
  return order;
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
  const view = new DataView(raw.buffer, raw.byteOffset, n * SUBJECT_KEY_BYTES);
  const words = new Uint32Array(raw.buffer, raw.byteOffset, n * WORDS);
  const out = new Uint32Array(n * WORDS);
  let count = 0;
  let last = -1;
  for (const i of byteOrder(...prefixed(view, n))) {
    if (last >= 0 && sameKey(words, i, last)) continue;
    last = i;
    for (let w = 0; w < WORDS; w++) out[count * WORDS + w] = words[i * WORDS + w] as number;
    count++;
  }
  return { keys: Buffer.from(out.buffer, 0, count * SUBJECT_KEY_BYTES), count };
}

/** byteOrder's arguments for `n` keys of 32 bytes at the start of `view`. */
function prefixed(view: DataView, n: number): [Uint32Array, (x: number, y: number) => number] {
  const prefix = new Uint32Array(n);
  for (let i = 0; i < n; i++) prefix[i] = view.getUint32(i * SUBJECT_KEY_BYTES);
  const rest = (x: number, y: number): number => {
    for (let w = 1; w < WORDS; w++) {
      const d = view.getUint32((x * WORDS + w) * 4) - view.getUint32((y * WORDS + w) * 4);
      if (d !== 0) return d;
    }
    return 0;
  };
  return [prefix, rest];
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
 * so the B-tree is walked once rather than at random).
 */
export function foldSets(bucket: number, sets: Iterable<{ seq: number; keys: Buffer }>): Posting[] {
  const base = bucket * SUBJECT_BUCKET;
  const blobs: { offset: number; keys: Buffer; n: number }[] = [];
  let total = 0;
  for (const { seq, keys } of sets) {
    const offset = seq - base;
    if (offset < 0 || offset >= SUBJECT_BUCKET)
      throw new RangeError(`event ${seq} is not in bucket ${bucket}`);
    const n = Math.floor(keys.length / SUBJECT_KEY_BYTES);
    blobs.push({ offset, keys, n });
    total += n;
  }
  if (total === 0) return [];
  // Every key of the bucket in one aligned buffer, in the sets' order, each with its event's
  // offset; sorted by bytes (equal keys keep that order), a subject's keys lie side by side.
  const all = Buffer.allocUnsafeSlow(total * SUBJECT_KEY_BYTES);
  const owner = new Uint8Array(total);
  let at = 0;
  for (const { offset, keys, n } of blobs) {
    keys.copy(all, at * SUBJECT_KEY_BYTES, 0, n * SUBJECT_KEY_BYTES);
    owner.fill(offset, at, at + n);
    at += n;
  }
  const words = new Uint32Array(all.buffer, all.byteOffset, total * WORDS);
  const order = byteOrder(...prefixed(new DataView(all.buffer, all.byteOffset, all.length), total));
  const postings: Posting[] = [];
  for (let a = 0; a < total; ) {
    const first = order[a] as number;
    let b = a + 1;
    while (b < total && sameKey(words, order[b] as number, first)) b++;
    const offsets = Buffer.allocUnsafe(b - a);
    for (let k = a; k < b; k++) offsets[k - a] = owner[order[k] as number] as number;
    // Sets come in no promised order: the offsets are sorted (a no-op when they came by seq).
    offsets.sort();
    const subject = Buffer.allocUnsafe(SUBJECT_KEY_BYTES);
    all.copy(subject, 0, first * SUBJECT_KEY_BYTES, (first + 1) * SUBJECT_KEY_BYTES);
    postings.push({ subject, offsets });
    a = b;
  }
  return postings;
}

/** The events a posting names. */
export function postingSeqs(bucket: number, offsets: Buffer): number[] {
  const base = bucket * SUBJECT_BUCKET;
  return [...offsets].map((o) => base + o);
}

// The blind index's two shapes (docs/audit.md, "Data subjects"). An answer can carry thousands
// of identifiers (a 75 KB customer list has ~1,650), and one B-tree row per (subject, event) means
// thousands of inserts at random places of an ever-growing index per event: 20–50 ms of CPU and
// page I/O per such answer once the index outgrows SQLite's cache. Instead each event stores one
// *subject set* (its keys, sorted, in one blob: a sequential insert), and every SUBJECT_BUCKET
// events the sets are folded into *postings* — one row per distinct subject of the bucket, holding
// the offsets of the events that touched it — and the sets are dropped. A search reads a subject's
// postings (one index range) and binary-searches the sets of the bucket not folded yet.

/** Bytes of one blind-index key (an HMAC-SHA256). */
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
  let list: string[] = [];
  for (const h of hexKeys) if (h.length === SUBJECT_KEY_BYTES * 2) list.push(h);
  if (list.length === 0) return null;
  let raw = Buffer.from(list.join(''), 'hex');
  // Buffer.from stops at the first character that is not hex: then check them one by one.
  if (raw.length !== list.length * SUBJECT_KEY_BYTES) {
    list = list.filter((h) => /^[0-9a-fA-F]{64}$/.test(h));
    if (list.length === 0) return null;
    raw = Buffer.from(list.join(''), 'hex');
  }
  return sortedKeys(raw);
}

const WORDS = SUBJECT_KEY_BYTES / 4;
const INDEX_BITS = 2 ** 21;

/**
 * Sorts 32-byte keys by their bytes and drops duplicates. An answer's ~1,650 keys sorted as
 * strings cost ~0.5 ms; here a native numeric sort of (first four bytes · 2^21 + index) orders
 * them, only keys whose first four bytes tie (rare: they are keyed hashes) are compared in full,
 * and the keys are copied word by word (Buffer#copy and #compare cost ~50 ns a call).
 */
function sortedKeys(raw: Buffer): { keys: Buffer; count: number } {
  const n = raw.length / SUBJECT_KEY_BYTES;
  // Aligned words to read and write; Buffer.from may have placed the bytes at any offset.
  const bytes = raw.byteOffset % 4 === 0 ? raw : Buffer.from(raw);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n * WORDS);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const byBytes = (x: number, y: number): number => {
    for (let w = 0; w < WORDS; w++) {
      const d = view.getUint32((x * WORDS + w) * 4) - view.getUint32((y * WORDS + w) * 4);
      if (d !== 0) return d;
    }
    return 0;
  };
  let order: number[];
  if (n >= INDEX_BITS) order = Array.from({ length: n }, (_, i) => i).sort(byBytes);
  else {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = view.getUint32(i * SUBJECT_KEY_BYTES) * INDEX_BITS + i;
    packed.sort();
    order = Array.from(packed, (v) => v % INDEX_BITS);
    for (let a = 0; a < n; ) {
      const prefix = Math.floor((packed[a] as number) / INDEX_BITS);
      let b = a + 1;
      while (b < n && Math.floor((packed[b] as number) / INDEX_BITS) === prefix) b++;
      if (b - a > 1) order.splice(a, b - a, ...order.slice(a, b).sort(byBytes));
      a = b;
    }
  }
  const out = new Uint32Array(n * WORDS);
  let count = 0;
  for (const i of order) {
    const from = i * WORDS;
    if (count > 0) {
      let same = true;
      for (let w = 0; w < WORDS && same; w++) same = out[(count - 1) * WORDS + w] === words[from + w];
      if (same) continue;
    }
    for (let w = 0; w < WORDS; w++) out[count * WORDS + w] = words[from + w] as number;
    count++;
  }
  return { keys: Buffer.from(out.buffer, 0, count * SUBJECT_KEY_BYTES), count };
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
  // latin1 strings are one character per byte: a cheap, exact map key for 32 bytes.
  const byKey = new Map<string, number[]>();
  for (const { seq, keys } of sets) {
    const offset = seq - base;
    if (offset < 0 || offset >= SUBJECT_BUCKET)
      throw new RangeError(`event ${seq} is not in bucket ${bucket}`);
    for (let o = 0; o + SUBJECT_KEY_BYTES <= keys.length; o += SUBJECT_KEY_BYTES) {
      const k = keys.toString('latin1', o, o + SUBJECT_KEY_BYTES);
      const list = byKey.get(k);
      if (list) list.push(offset);
      else byKey.set(k, [offset]);
    }
  }
  const subjects = [...byKey.keys()].sort();
  return subjects.map((k) => {
    const offsets = byKey.get(k) as number[];
    offsets.sort((a, b) => a - b);
    return { subject: Buffer.from(k, 'latin1'), offsets: Buffer.from(offsets) };
  });
}

/** The events a posting names. */
export function postingSeqs(bucket: number, offsets: Buffer): number[] {
  const base = bucket * SUBJECT_BUCKET;
  return [...offsets].map((o) => base + o);
}

// A word list as one regular-expression alternation shaped like a trie ("a(?:l(?:bania|geria))"):
// V8 tries the alternatives of a flat list one by one at every position, a trie only along the
// letters that match, which keeps a list of a thousand names about as fast as a single word.
//
// The trie is never built as objects: in the sorted list, the words below a node are one run
// sharing its prefix, so the source is written straight from runs of the list. The detectors'
// tries (./word-tries.ts, ~2,300 words in all) are built with it when that module loads from
// source, and at build time for the bundle: at start, before V8 has compiled anything, nodes in
// Maps cost ~35 ms of the gateway's cold start, and this ~9 (docs/architecture.md).

const SPECIAL = new Set([...'.*+?^$(){}|[]\\/']);

/** The character (a whole code point) of `word` at UTF-16 index `at`. */
function charAt(word: string, at: number): string {
  const unit = word.charCodeAt(at);
  return unit >= 0xd800 && unit <= 0xdbff && at + 1 < word.length ? word.slice(at, at + 2) : word.charAt(at);
}

/** The alternation for words[lo, hi), which share their first `depth` UTF-16 units. */
function source(words: readonly string[], lo: number, hi: number, depth: number): string {
  let start = lo;
  const end = (words[lo] as string).length === depth; // sorted: the prefix itself comes first
  if (end) start++;
  const branches: string[] = [];
  while (start < hi) {
    const c = charAt(words[start] as string, depth);
    let stop = start + 1;
    while (stop < hi && (words[stop] as string).startsWith(c, depth)) stop++;
    branches.push((SPECIAL.has(c) ? `\\${c}` : c) + source(words, start, stop, depth + c.length));
    start = stop;
  }
  if (branches.length === 0) return '';
  const body = branches.length === 1 && !end ? (branches[0] as string) : `(?:${branches.join('|')})`;
  return end ? `${body.startsWith('(?:') ? body : `(?:${body})`}?` : body;
}

/** The words as a non-capturing trie alternation (longest match preferred at each letter). */
export function trieSource(words: Iterable<string>): string {
  const sorted = [...new Set(words)].sort();
  return sorted.length === 0 ? '(?:)' : `(?:${source(sorted, 0, sorted.length, 0)})`;
}

// A word list as one regular-expression alternation shaped like a trie ("a(?:l(?:bania|geria))"):
// V8 tries the alternatives of a flat list one by one at every position, a trie only along the
// letters that match, which keeps a list of a thousand names about as fast as a single word.

interface Node {
  end: boolean;
  next: Map<string, Node>;
}

const escapeChar = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function source(node: Node): string {
  const branches = [...node.next].map(([c, child]) => escapeChar(c) + source(child));
  if (branches.length === 0) return '';
  const body = branches.length === 1 && !node.end ? (branches[0] as string) : `(?:${branches.join('|')})`;
  return node.end ? `${body.startsWith('(?:') ? body : `(?:${body})`}?` : body;
}

/** The words as a non-capturing trie alternation (longest match preferred at each letter). */
export function trieSource(words: Iterable<string>): string {
  const root: Node = { end: false, next: new Map() };
  for (const word of words) {
    let node = root;
    for (const c of word) {
      let child = node.next.get(c);
      if (!child) {
        child = { end: false, next: new Map() };
        node.next.set(c, child);
      }
      node = child;
    }
    node.end = true;
  }
  return `(?:${source(root)})`;
}

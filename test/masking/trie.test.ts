import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COUNTRIES } from '../../src/masking/detectors/countries.ts';
import { FIRST_NAMES } from '../../src/masking/detectors/first-names.ts';
import { trieSource } from '../../src/masking/detectors/trie.ts';

// A trie alternation must match, at a position, exactly the longest listed word that starts
// there: the detectors rely on that for names, countries and address words.

function longestPrefix(words: readonly string[], text: string): string | null {
  let best: string | null = null;
  for (const w of words) if (text.startsWith(w) && (best === null || w.length > best.length)) best = w;
  return best;
}

function matchAtStart(words: readonly string[], text: string): string | null {
  return new RegExp(`^${trieSource(words)}`, 'u').exec(text)?.[0] ?? null;
}

test('a trie matches the longest listed word at the start, for arbitrary lists', () => {
  // A small alphabet with regex metacharacters and a character outside the BMP, so that words
  // share prefixes, need escaping, and split into surrogate pairs.
  const char = fc.constantFrom('a', 'b', 'é', '.', '*', '(', '|', '\\', '/', '$', '𝔸');
  const word = fc.array(char, { minLength: 0, maxLength: 6 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(
      fc.array(word, { minLength: 1, maxLength: 30 }),
      fc.array(word, { maxLength: 10 }),
      (words, probes) => {
        const texts = [
          ...words,
          ...probes,
          ...words.map((w, i) => w + (probes[i % (probes.length || 1)] ?? 'x')),
        ];
        for (const text of texts) assert.equal(matchAtStart(words, text), longestPrefix(words, text), text);
      },
    ),
    { numRuns: 400 },
  );
});

test('the detectors’ own lists: every word matches whole, and a longer word wins', () => {
  for (const list of [COUNTRIES, [...FIRST_NAMES]]) {
    const words = [...list];
    for (const w of words) {
      assert.equal(matchAtStart(words, w), w);
      assert.equal(matchAtStart(words, `${w}-x`), longestPrefix(words, `${w}-x`));
    }
  }
});

test('an empty list matches only the empty string', () => {
  assert.equal(trieSource([]), '(?:)');
  assert.equal(matchAtStart([], 'abc'), '');
});

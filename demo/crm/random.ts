// A seeded PRNG so the demo data is identical on every run and machine: benchmarks and
// masking tests compare outputs byte for byte, which Math.random would make impossible.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** Fill a pattern: `#` any digit, `N` a digit 2-9, `L` an upper-case letter, anything else literal. */
  pattern(template: string): string;
}

/** mulberry32: tiny, fast and well distributed enough for fake data (not for anything secret). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(0, items.length - 1)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  };
  const pattern = (template: string): string =>
    Array.from(template, (ch) => {
      if (ch === '#') return String(int(0, 9));
      if (ch === 'N') return String(int(2, 9));
      if (ch === 'L') return String.fromCharCode(65 + int(0, 25));
      return ch;
    }).join('');
  return { next, int, pick, pattern };
}

/**
 * What is in flight (exchanges, the promises of their handlers): added and removed once per
 * request, iterated only when something rare happens (a revocation, the drain at shutdown).
 *
 * Not a Set: after enough deletes V8 rebuilds a Set's table, and the table it leaves behind keeps
 * its entries and a link to the new one. Once one such table has aged into the old generation,
 * every later table, and every exchange they held, survives the young-generation collections
 * until the next full one: under load that promoted ~1.4 MB per scavenge here (docs/bench.md,
 * "The GC promotion under echo load, found"). An array with swap-remove keeps one backing store,
 * and an entry forgets its value when it leaves.
 */
export interface LiveEntry<T> {
  value: T | undefined;
  /** Its index in the array; -1 once removed. */
  slot: number;
}

export class LiveSet<T> implements Iterable<T> {
  readonly #entries: LiveEntry<T>[] = [];

  get size(): number {
    return this.#entries.length;
  }

  /** Adds `value`; the entry returned is what removes it. */
  add(value: T): LiveEntry<T> {
    const entry: LiveEntry<T> = { value, slot: this.#entries.length };
    this.#entries.push(entry);
    return entry;
  }

  /** Removes the entry (a second call does nothing). */
  delete(entry: LiveEntry<T>): void {
    if (entry.slot < 0) return;
    const last = this.#entries.pop() as LiveEntry<T>;
    if (last !== entry) {
      this.#entries[entry.slot] = last;
      last.slot = entry.slot;
    }
    entry.slot = -1;
    entry.value = undefined;
  }

  /** A snapshot: what is removed or added while it is walked does not change it. */
  [Symbol.iterator](): Iterator<T> {
    return this.#entries.map((e) => e.value as T)[Symbol.iterator]();
  }
}

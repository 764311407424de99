import type { Identity } from './types.ts';

// Verified tokens, keyed by the exact token string, so the hot path pays one Map lookup instead of
// a signature check. An entry lives until the token's own `exp` and never past it (RFC 7519 §4.1.4).
// Failures live in a separate, smaller map for a few seconds only: a flood of bad tokens can then
// neither evict good entries nor pin memory, and a token that failed for a transient reason (a key
// not yet in the JWKS, `nbf` a second away) is tried again soon.

export interface TokenCacheOptions {
  /** Verified tokens kept at most; the oldest goes first. Default 10,000. */
  readonly maxEntries?: number;
  /** Total characters of cached tokens at most (tokens reach 16 KiB). Default 32 Mi. */
  readonly maxChars?: number;
  /** Refused tokens kept at most. Default 1,000. */
  readonly maxFailures?: number;
  /** How long a refusal is remembered. Default 5 s. */
  readonly failureTtlMs?: number;
}

interface Entry {
  readonly identity: Identity;
  /** ms since epoch; the entry is dead from this instant on. */
  readonly until: number;
}

interface Failure {
  readonly reason: string;
  readonly until: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #failures = new Map<string, Failure>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #maxFailures: number;
  readonly #failureTtlMs: number;
  #chars = 0;

  constructor(opts: TokenCacheOptions = {}) {
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#maxChars = opts.maxChars ?? 32 * 1024 * 1024;
    this.#maxFailures = opts.maxFailures ?? 1_000;
    this.#failureTtlMs = opts.failureTtlMs ?? 5_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  get failureCount(): number {
    return this.#failures.size;
  }

  /** The cached identity for this token, if it is still inside its lifetime. */
  get(token: string, now: number): Identity | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry.identity;
    this.#delete(token);
    return undefined;
  }

  /** Remembers a verified identity until its `expiresAt`; an already expired one is not stored. */
  set(token: string, identity: Identity, now: number): void {
    if (!(identity.expiresAt > now) || !Number.isFinite(identity.expiresAt)) return;
    if (token.length > this.#maxChars) return;
    const old = this.#entries.get(token);
    if (old !== undefined) this.#delete(token);
    this.#failures.delete(token);
    while (this.#entries.size >= this.#maxEntries || this.#chars + token.length > this.#maxChars) {
      if (!this.#evictOldest()) break;
    }
    this.#entries.set(token, { identity, until: identity.expiresAt });
    this.#chars += token.length;
  }

  /** The reason this token was refused a moment ago, if it was. */
  getFailure(token: string, now: number): string | undefined {
    const failure = this.#failures.get(token);
    if (failure === undefined) return undefined;
    if (now < failure.until) return failure.reason;
    this.#failures.delete(token);
    return undefined;
  }

  setFailure(token: string, reason: string, now: number): void {
    if (this.#failureTtlMs <= 0 || this.#maxFailures <= 0) return;
    this.#failures.delete(token);
    while (this.#failures.size >= this.#maxFailures) {
      const oldest = this.#failures.keys().next();
      if (oldest.done) break;
      this.#failures.delete(oldest.value);
    }
    this.#failures.set(token, { reason, until: now + this.#failureTtlMs });
  }

  /** Drops every identity the predicate matches, e.g. all of one issuer after a key left its JWKS. */
  deleteWhere(predicate: (identity: Identity) => boolean): number {
    let dropped = 0;
    for (const [token, entry] of this.#entries) {
      if (predicate(entry.identity)) {
        this.#delete(token);
        dropped++;
      }
    }
    return dropped;
  }

  clear(): void {
    this.#entries.clear();
    this.#failures.clear();
    this.#chars = 0;
  }

  #delete(token: string): void {
    this.#entries.delete(token);
    this.#chars -= token.length;
  }

  #evictOldest(): boolean {
    // A Map iterates in insertion order, so the first key is the oldest entry.
    const oldest = this.#entries.entries().next();
    if (oldest.done) return false;
    this.#delete(oldest.value[0]);
    return true;
  }
}

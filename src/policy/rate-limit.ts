// Rate limits from policy (`rateLimit: { calls: 5, per: 1h }`): a sliding-window counter per key
// (rule + subject [+ tool]). It keeps two counts per key — this window and the last — and weighs
// the last by how much of it still overlaps the sliding window, the approximation Cloudflare
// describes in "How we built rate limiting capable of scaling to millions of domains" (2017).
// O(1) time and memory per key, no timestamp log; bursts at a window edge stay within the limit.
//
// Memory is bounded: keys live in a Map in least-recently-used order; each check drops idle keys
// (both windows over) from the front, and past `maxKeys` the least recently used key goes. A key
// dropped while still counting starts over, so `maxKeys` should exceed the live caller × tool pairs.

import type { Identity } from '../identity/types.ts';
import type { Decision, RateLimitSpec } from './types.ts';

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number; rule: string };

export interface RateLimiter {
  /** Counts the call against every limit in the decision, or refuses it without counting. */
  check(decision: Decision, identity: Identity, tool: string | undefined, now: number): RateLimitResult;
  /** Keys currently held. */
  readonly size: number;
}

interface Window {
  start: number;
  prev: number;
  curr: number;
  windowMs: number;
}

function keyOf(spec: RateLimitSpec, identity: Identity, tool: string | undefined): string {
  // NUL cannot occur in a rule id; subjects and tool names are length-prefixed so no two keys collide.
  const base = `${spec.rule}\u0000${identity.subject.length}:${identity.subject}`;
  return spec.by === 'identity' ? base : `${base}\u0000${tool ?? ''}`;
}

/** Rolls the window forward to the one containing `now`. */
function roll(w: Window, now: number): void {
  const start = now - (now % w.windowMs);
  if (start === w.start) return;
  w.prev = start - w.start === w.windowMs ? w.curr : 0;
  w.curr = 0;
  w.start = start;
}

/**
 * Whether one more call fits: prev·(W − elapsed)/W + curr + 1 ≤ limit, kept in integers.
 * Otherwise, the ms until it would fit if no other call came.
 */
function waitMs(w: Window, now: number, limit: number): number {
  const W = w.windowMs;
  const elapsed = now - w.start;
  if (w.prev * (W - elapsed) + (w.curr + 1) * W <= limit * W) return 0;
  if (w.curr + 1 <= limit) {
    // Fits later in this window, once enough of the last window has slid out.
    const slack = (limit - w.curr - 1) * W;
    return Math.max(1, Math.ceil(W - elapsed - slack / w.prev));
  }
  // Not in this window: in the next, this window's count becomes the weighted one.
  const intoNext = w.curr === 0 ? 0 : Math.max(0, Math.ceil(W - ((limit - 1) * W) / w.curr));
  return W - elapsed + intoNext;
}

export function createRateLimiter(opts: { maxKeys?: number } = {}): RateLimiter {
  const maxKeys = opts.maxKeys ?? 100_000;
  const windows = new Map<string, Window>();

  function evictIdle(now: number): void {
    // At most a few per call keeps each check O(1); the front is the least recently used.
    for (let i = 0; i < 4; i++) {
      const first = windows.entries().next();
      if (first.done) return;
      const [k, w] = first.value;
      if (now - w.start < 2 * w.windowMs) return;
      windows.delete(k);
    }
  }

  function touch(key: string, windowMs: number, now: number): Window {
    let w = windows.get(key);
    if (w === undefined || w.windowMs !== windowMs) {
      w = { start: now - (now % windowMs), prev: 0, curr: 0, windowMs };
    } else {
      windows.delete(key);
      roll(w, now);
    }
    windows.set(key, w);
    return w;
  }

  return {
    check(decision, identity, tool, now) {
      evictIdle(now);
      const specs = decision.rateLimits;
      if (specs === undefined || specs.length === 0) return { ok: true };
      const touched: Window[] = [];
      let refused: { ok: false; retryAfterSeconds: number; rule: string } | undefined;
      for (const spec of specs) {
        const w = touch(keyOf(spec, identity, tool), spec.perSeconds * 1000, now);
        touched.push(w);
        const wait = waitMs(w, now, spec.calls);
        if (wait > 0 && (refused === undefined || wait / 1000 > refused.retryAfterSeconds)) {
          refused = { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)), rule: spec.rule };
        }
      }
      while (windows.size > maxKeys) windows.delete(windows.keys().next().value as string);
      if (refused) return refused;
      // Count only once every limit agreed, so a refusal never uses up another limit's budget.
      for (const w of touched) w.curr++;
      return { ok: true };
    },
    get size() {
      return windows.size;
    },
  };
}

import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns true, failing after `ms` (tests bound every wait). */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTime, progress, UsageError } from '../../src/cli/audit-context.ts';

// Long audit commands show progress on a terminal and stay quiet when piped; times are dates, ISO
// timestamps or ages.

function stream(isTTY: boolean): { s: NodeJS.WriteStream; out: string[] } {
  const out: string[] = [];
  const s = { isTTY, write: (t: string) => out.push(t) > 0 } as unknown as NodeJS.WriteStream;
  return { s, out };
}

test('progress is drawn on a terminal and says nothing when stderr is piped', () => {
  const tty = stream(true);
  const show = progress('verifying', tty.s);
  show(10, 100);
  show(100, 100);
  assert.match(tty.out.join(''), /verifying: 10\/100 \(10%\)/);
  assert.match(tty.out.at(-1) ?? '', /verifying: 100\/100 \(100%\)\n$/);
  const piped = stream(false);
  const quiet = progress('verifying', piped.s);
  quiet(10, 100);
  quiet(100, 100);
  assert.deepEqual(piped.out, []);
});

test('times: a date, an ISO timestamp or an age; anything else is a usage error', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  assert.equal(parseTime('24h', now), now - 86_400_000);
  assert.equal(parseTime('7d', now), now - 7 * 86_400_000);
  assert.equal(parseTime('2026-11-30', now), Date.parse('2026-11-30'));
  assert.equal(parseTime('2026-11-30T08:00:00Z', now), Date.parse('2026-11-30T08:00:00Z'));
  for (const bad of ['yesterday', '24', '2026-13-45', '-1h'])
    assert.throws(() => parseTime(bad, now), UsageError);
});

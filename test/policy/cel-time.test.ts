import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@marcbachmann/cel-js';
import { celTimestamp } from '../../src/policy/cel.ts';
import { PolicyError } from '../../src/policy/index.ts';
import { policyOf } from './helpers.ts';

// The `now` Date caches time zone formatting (src/policy/cel.ts); it must answer exactly what a
// plain Date answers, across DST changes, half-hour and 45-minute zones and the date line.
test('time zone getters on the cached timestamp agree with a plain Date', () => {
  const expr = parse(`[
    now.getHours("America/New_York"), now.getMinutes("Asia/Kathmandu"), now.getSeconds("Europe/Berlin"),
    now.getDayOfWeek("Asia/Kolkata"), now.getDayOfMonth("America/Los_Angeles"), now.getMonth("Europe/Berlin"),
    now.getFullYear("Pacific/Kiritimati"), now.getDayOfYear("Australia/Lord_Howe"), now.getHours("UTC"),
    now.getHours(), now.getDayOfWeek()
  ]`);
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 5000; i++) {
    const ms = start + i * 7_777_777 + (i % 1000);
    assert.deepEqual(
      expr({ now: celTimestamp(ms) }),
      expr({ now: new Date(ms) }),
      new Date(ms).toISOString(),
    );
  }
  // Other toLocaleString calls are Date's own.
  const d = celTimestamp(0);
  assert.equal(
    d.toLocaleString('de-DE', { timeZone: 'UTC' }),
    new Date(0).toLocaleString('de-DE', { timeZone: 'UTC' }),
  );
  assert.equal(Object.getPrototypeOf(d), Date.prototype);
});

test('office hours in a named zone, and an unknown zone is a load error', () => {
  const p = policyOf(`rules:
  - { id: office, effect: allow, when: 'now.getHours("Europe/Berlin") >= 8 && now.getHours("Europe/Berlin") < 18' }
`);
  const hour = (iso: string) => p.rules[0]!.when!.evaluate({ now: celTimestamp(Date.parse(iso)) } as never);
  assert.equal(hour('2026-07-01T06:30:00Z'), true, '08:30 CEST');
  assert.equal(hour('2026-01-01T06:30:00Z'), false, '07:30 CET');
  assert.throws(
    () => policyOf(`rules:\n  - { id: x, effect: deny, when: 'now.getHours("Europe/Berln") < 8' }\n`),
    (err: unknown) =>
      err instanceof PolicyError &&
      err.message === "policy.yaml: rules[0].when: unknown time zone 'Europe/Berln' (rule 'x')",
  );
});

import * as z from 'zod';

// Durations in configuration and policy files: `90s`, `15m`, `1h30m`, `2d`, or a number of seconds.

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `90s`, `15m`, `1h30m`, `2d` (or a number of seconds) → seconds; undefined when malformed. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const m = DURATION.exec(value);
  if (!m || value.length === 0) return undefined;
  const [, d, h, min, s] = m.map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  const total = d * 86_400 + h * 3_600 + min * 60 + s;
  return total > 0 ? total : undefined;
}

/** A zod schema for a duration, parsed to seconds, with an error that shows the expected form. */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const seconds = parseDuration(v);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `a duration like '30s', '15m', '1h' or '2d', got '${v}'` });
    return z.NEVER;
  }
  return seconds;
});

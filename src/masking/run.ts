// The state of one masking call, and how a found value becomes a finding and its replacement.

import type { CompiledProfile } from './compile.ts';
import { nationalIdScheme } from './detectors/index.ts';
import type { FieldRule } from './field-path.ts';
import { normaliseValue } from './normalise.ts';
import { applyOperator } from './operators.ts';
import type { EntityType, Finding, Operator } from './types.ts';

/** State of one masking call: its findings and the hashes computed so far. Never shared. */
export interface MaskRun {
  readonly profile: CompiledProfile;
  readonly findings: Finding[];
  readonly hashes: Map<string, string>;
  /** Record findings but change nothing (resource URIs the client must still dereference). */
  reportOnly: boolean;
  /** Inside JSON parsed out of a string: numbers there are text the reader sees, so they are scanned. */
  inText: number;
  /** That JSON held an integer beyond 2^53, whose digits JSON.parse has already lost. */
  lossy: boolean;
  /** Values changed in place in JSON parsed out of a string (which is then re-serialised). */
  writes: number;
}

export const createRun = (profile: CompiledProfile): MaskRun => ({
  profile,
  findings: [],
  hashes: new Map(),
  reportOnly: false,
  inText: 0,
  lossy: false,
  writes: 0,
});

/** Records one finding and returns what replaces the value. */
export function record(
  run: MaskRun,
  type: EntityType,
  subtype: string | undefined,
  path: string,
  start: number,
  value: string,
  detector: string,
  operator: Operator | undefined,
): string {
  const { profile } = run;
  const op: Operator = run.reportOnly || profile.exempt ? 'keep' : (operator ?? profile.operators[type]);
  const normal = normaliseValue(type, value);
  let valueHash = run.hashes.get(normal);
  if (valueHash === undefined) {
    valueHash = profile.hash(normal);
    run.hashes.set(normal, valueHash);
  }
  const end = start + value.length;
  run.findings.push(
    subtype === undefined
      ? { type, path, start, end, valueHash, operator: op, detector }
      : { type, subtype, path, start, end, valueHash, operator: op, detector },
  );
  return applyOperator(op, type, value, valueHash, subtype, profile.encrypt);
}

/** The scheme of a value a field calls a national ID, for the finding's subtype. */
export const subtypeOf = (rule: FieldRule, value: string): string | undefined =>
  rule.type === 'NATIONAL_ID' ? nationalIdScheme(value) : undefined;

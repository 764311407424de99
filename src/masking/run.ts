// The state of one masking call, and how a found value becomes a finding and its replacement.
//
// A finding's keyed hash is filled in when the call ends (finishRun): the call collects the normal
// forms, then hashes them all in one tight loop into one string (KeyedBlake2s.hashAll). Hashing each
// value as it was found cost about a third more CPU per 75 KB result: per value, turning the digest
// into a string cost as much as computing it, and the hash code competed with the walk for the
// CPU's caches. Until then a finding's valueHash is empty and its slot says which value it gets.

import type { CompiledProfile } from './compile.ts';
import { nationalIdScheme } from './detectors/index.ts';
import type { FieldRule } from './field-path.ts';
import { normaliseValue } from './normalise.ts';
import { applyOperator } from './operators.ts';
import type { EntityType, Finding, Operator } from './types.ts';

/** State of one masking call: its findings and the values to hash. Never shared. */
export interface MaskRun {
  readonly profile: CompiledProfile;
  /** The call's findings; their valueHash is set by finishRun. */
  readonly findings: Finding[];
  /** Per finding, the index of its value in `values`. */
  readonly slots: number[];
  /**
   * The normal form of each value found, in order: hashed together when the call ends. Not
   * deduplicated: a map lookup of a fresh string costs about what hashing it again does.
   */
  readonly values: string[];
  /** Normal form → the pseudonym operator's HMAC, made when that operator first applies. */
  pseudonyms: Map<string, string> | undefined;
  /** Record findings but change nothing (resource URIs the client must still dereference). */
  reportOnly: boolean;
  /** Inside JSON parsed out of a string: numbers there are text the reader sees, so they are scanned. */
  inText: number;
  /** That JSON held an integer beyond 2^53, whose digits JSON.parse has already lost. */
  lossy: boolean;
  /** Values changed in place in JSON parsed out of a string (which is then re-serialised). */
  writes: number;
}

/** A finding while its call runs: the hash comes last. */
type OpenFinding = { -readonly [K in keyof Finding]: Finding[K] };

export const createRun = (profile: CompiledProfile): MaskRun => ({
  profile,
  findings: [],
  slots: [],
  values: [],
  pseudonyms: undefined,
  reportOnly: false,
  inText: 0,
  lossy: false,
  writes: 0,
});

/** Ends a call: every finding gets the keyed hash of its value. Returns the findings. */
export function finishRun(run: MaskRun): Finding[] {
  const { findings, slots } = run;
  if (findings.length === 0) return findings;
  const hashes = run.profile.hashAll(run.values);
  for (let i = 0; i < findings.length; i++)
    (findings[i] as OpenFinding).valueHash = hashes[slots[i] as number] as string;
  return findings;
}

/** Forgets the findings recorded since there were `count` (their values stay, unused). */
export function dropFindings(run: MaskRun, count: number): void {
  run.findings.length = count;
  run.slots.length = count;
}

/** Records a copy of finding `i` under another path (a text block that repeats a structure). */
export function copyFinding(run: MaskRun, i: number, path: string): void {
  const f = run.findings[i] as Finding;
  const { type, subtype, start, end, valueHash, operator, detector } = f;
  run.findings.push(
    subtype === undefined
      ? { type, path, start, end, valueHash, operator, detector }
      : { type, subtype, path, start, end, valueHash, operator, detector },
  );
  run.slots.push(run.slots[i] as number);
}

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
  const slot = run.values.length;
  run.values.push(normal);
  const end = start + value.length;
  const valueHash = '';
  run.findings.push(
    subtype === undefined
      ? { type, path, start, end, valueHash, operator: op, detector }
      : { type, subtype, path, start, end, valueHash, operator: op, detector },
  );
  run.slots.push(slot);
  // The key source files an encrypted value under its hash: computed now, once more at the end.
  const hash = op === 'encrypt' ? profile.hash(normal) : '';
  const pseudonymHash = op === 'pseudonym' ? pseudonymHashOf(run, normal) : undefined;
  return applyOperator(op, type, value, hash, subtype, profile.encrypt, pseudonymHash);
}

/** The pseudonym's HMAC (issue 6: "keyed pseudonym (HMAC token)"), once per value and call. */
function pseudonymHashOf(run: MaskRun, normal: string): string {
  run.pseudonyms ??= new Map();
  let hash = run.pseudonyms.get(normal);
  if (hash === undefined) {
    hash = run.profile.pseudonymHash(normal);
    run.pseudonyms.set(normal, hash);
  }
  return hash;
}

/** The scheme of a value a field calls a national ID, for the finding's subtype. */
export const subtypeOf = (rule: FieldRule, value: string): string | undefined =>
  rule.type === 'NATIONAL_ID' ? nationalIdScheme(value) : undefined;

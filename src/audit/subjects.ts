import type { CompiledProfile } from '../masking/compile.ts';
import { ENTITY_TYPES } from '../masking/config.ts';
import { maskText } from '../masking/index.ts';
import { normaliseValue } from '../masking/normalise.ts';

// From an identifier an operator types (`jane@example.com`, `+49 170 1234567`, `DE89 3704…`) to
// the blind-index keys the trail holds for it: the keyed hash of its normal form (profile.hash,
// keyed BLAKE2s), exactly as the masker computed it when the value went by. The masker's own detectors say what the value is; when they
// find nothing spanning it (a bare name), each type's normal form is tried — a key that matches
// nothing costs nothing.

export interface SubjectKeys {
  /** Blind-index keys (32-byte keyed hashes) to look up. */
  readonly keys: Buffer[];
  /** The entity types the value was recognised as (empty: tried every normal form). */
  readonly types: string[];
}

export function subjectKeysFor(value: string, profile: CompiledProfile): SubjectKeys {
  const text = value.trim();
  if (text === '') return { keys: [], types: [] };
  const hashes = new Set<string>();
  const types = new Set<string>();
  for (const f of maskText(text, profile).findings) {
    // A finding that covers (nearly) the whole value is the value; a part of it is something else.
    if (f.end - f.start >= text.length * 0.8 && f.type !== 'SECRET') {
      hashes.add(f.valueHash);
      types.add(f.type);
    }
  }
  if (hashes.size === 0) {
    for (const type of ENTITY_TYPES) {
      if (type === 'SECRET') continue;
      const normal = normaliseValue(type, text);
      if (normal !== '') hashes.add(profile.hash(normal));
    }
  }
  return { keys: [...hashes].map((h) => Buffer.from(h, 'hex')), types: [...types] };
}

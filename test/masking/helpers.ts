// Shared set-up for the masking tests: one default profile with a fixed test key.

import { compileProfile } from '../../src/masking/compile.ts';
import { profileSchema } from '../../src/masking/config.ts';
import { maskText } from '../../src/masking/engine.ts';
import type { EntityType, MaskingKeys } from '../../src/masking/types.ts';

export const TEST_KEYS: MaskingKeys = { hmacKey: Buffer.alloc(32, 0x42) };

export const defaultProfile = compileProfile(profileSchema.parse({}), TEST_KEYS, { name: 'test' });

/** What the default profile finds in `text`: `TYPE` or `TYPE/SUBTYPE` with the matched text. */
export function found(text: string): string[] {
  return maskText(text, defaultProfile, '$').findings.map(
    (f) => `${f.type}${f.subtype === undefined ? '' : `/${f.subtype}`}:${text.slice(f.start, f.end)}`,
  );
}

export function typesIn(text: string): EntityType[] {
  return maskText(text, defaultProfile, '$').findings.map((f) => f.type);
}

import { subjectKeysFor } from '../audit/subjects.ts';
import { PARSE_ONCE } from '../core/parse-once.ts';
import { compileMaskingConfig, compileProfile } from '../masking/compile.ts';
import { profileSchema } from '../masking/config.ts';
import type { AuditKeys } from './audit.ts';

// From an identifier to its blind-index keys, with the recording profile keyed like the mask
// step: loaded (with the masking engine) only when a data-subject search first needs it.

export function subjectLookup(keys: AuditKeys): (value: string) => Buffer[] {
  const masking = compileMaskingConfig(keys.setup.masking, { hmacKey: keys.hmacKey });
  const profile =
    masking.profiles.get(keys.setup.recordingProfile) ??
    compileProfile(
      profileSchema.parse({}, PARSE_ONCE),
      { hmacKey: keys.hmacKey },
      { name: keys.setup.recordingProfile },
    );
  return (value) => subjectKeysFor(value, profile).keys;
}

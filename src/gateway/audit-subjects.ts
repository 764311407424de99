import { subjectKeysFor } from '../audit/subjects.ts';
import { compileMaskingConfig, recordingProfileOf } from '../masking/compile.ts';
import type { AuditKeys } from './audit.ts';

// From an identifier to its blind-index keys, with the recording profile keyed like the mask
// step: loaded (with the masking engine) only when a data-subject search first needs it.

export function subjectLookup(keys: AuditKeys): (value: string) => Buffer[] {
  const masking = compileMaskingConfig(keys.setup.masking, { hmacKey: keys.hmacKey });
  const profile = recordingProfileOf(masking, keys.setup.recordingProfile, { hmacKey: keys.hmacKey });
  return (value) => subjectKeysFor(value, profile).keys;
}

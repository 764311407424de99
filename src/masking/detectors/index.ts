// The detector set, in the order they run; overlaps are settled afterwards (spans.ts).

import type { Detector } from '../spans.ts';
import type { EntityType } from '../types.ts';
import { addressDetector } from './address.ts';
import { cardDetector } from './card.ts';
import { contextDetector } from './context.ts';
import { emailDetector } from './email.ts';
import { ibanDetector } from './iban.ts';
import { nationalIdDetector } from './national-id.ts';
import { ipDetector, macDetector } from './network.ts';
import { personDetector } from './person.ts';
import { createPhoneDetector, type PhoneValidator } from './phone.ts';
import { secretDetector } from './secret.ts';

export { luhnValid, validCard } from './card.ts';
export { findEmails } from './email.ts';
export { FIRST_NAMES } from './first-names.ts';
export { validIban } from './iban.ts';
export { type NationalIdScheme, nationalIdScheme, nhsValid } from './national-id.ts';
export {
  compilePhoneValidator,
  DEFAULT_PHONE_REGIONS,
  type PhoneMatch,
  type PhoneValidator,
} from './phone.ts';

/** All detectors whose types are enabled; a detector that finds several types filters its own output. */
export function buildDetectors(enabled: ReadonlySet<EntityType>, phones: PhoneValidator): Detector[] {
  const all: Detector[] = [
    secretDetector,
    emailDetector,
    ibanDetector,
    nationalIdDetector,
    cardDetector,
    ipDetector,
    macDetector,
    createPhoneDetector(phones),
    contextDetector,
    addressDetector,
    personDetector,
  ];
  return all.filter((d) => d.types.some((t) => enabled.has(t)));
}

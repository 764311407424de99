// The masking contracts (issue: personal data masked inline). The engine compiles a profile once
// at boot; the hot path only applies it.

/** What a detector finds. National identifiers carry their scheme in `subtype` (e.g. `DE_STEUER_ID`). */
export type EntityType =
  | 'EMAIL'
  | 'PHONE'
  | 'IBAN'
  | 'CREDIT_CARD'
  | 'IP_ADDRESS'
  | 'MAC_ADDRESS'
  | 'NATIONAL_ID'
  | 'PASSPORT'
  | 'ID_CARD'
  | 'DATE_OF_BIRTH'
  | 'SECRET'
  | 'PERSON'
  | 'ADDRESS';

export type Operator = 'redact' | 'partial' | 'pseudonym' | 'encrypt' | 'keep';

/** One piece of personal data found (and masked, unless the operator was `keep`). */
export interface Finding {
  readonly type: EntityType;
  readonly subtype?: string;
  /** Where: a JSON path into the message (`$.result.content[0].text`) … */
  readonly path: string;
  /** … and the UTF-16 offsets inside that string value (end exclusive); whole value: 0..length. */
  readonly start: number;
  readonly end: number;
  /**
   * Keyed BLAKE2s-256 of the normalised value, hex, under a key derived from the deployment's
   * (src/masking/keys.ts findingHashKey): the blind index for DSAR.
   */
  readonly valueHash: string;
  readonly operator: Operator;
  readonly detector: string;
}

/**
 * What the mask step found in what went back to the client, as the audit trail needs it: counts
 * per type and the keyed hashes, as bytes. Not the findings themselves: an exchange waits for its
 * commit, and the ~1,650 findings of a 75 KB answer (each with its path and hex hash) held that
 * long were copied and promoted by every young-generation collection under load (docs/masking.md,
 * "What a masked exchange keeps").
 */
export interface FoundInAnswer {
  /** Entity type → how many values of it were found (masked, unless the caller is exempt). */
  readonly types: Record<string, number>;
  /** Keyed hashes of the values found, secrets left out: 32 bytes each, ~1,000 to a buffer. */
  readonly hashes: Buffer[];
}

/** Keys the operators need; loaded once at boot, never logged. */
export interface MaskingKeys {
  /** Keys pseudonyms and (through a derived key) finding hashes: stable per deployment, so records still join. */
  readonly hmacKey: Buffer;
  /** Encrypts a value for reversible masking; the audit issue swaps in per-subject keys. */
  readonly encrypt?: (value: string, valueHash: string) => string;
}

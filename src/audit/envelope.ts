import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Envelope encryption of the raw (unmasked) copy of an exchange, so that erasing a data subject
// destroys what is readable about them (crypto-shredding) while the chain, which covers only the
// ciphertext's hash, still verifies.
//
// Each data subject has a 256-bit key, stored wrapped (AES-256-GCM) under the deployment's key
// encryption key (KEK). A payload is encrypted under a fresh data key; the data key is split into
// XOR shares, one per subject the exchange touched, each share wrapped under that subject's key.
// Every share is needed to rebuild the data key, so destroying ANY one subject's key makes the
// whole raw copy unreadable: an exchange that mixed Jane's and Bob's data is shredded when either
// is erased. Erasure errs on the side of forgetting. An exchange with no identified subject is
// sealed under the deployment's own subject key (NO_SUBJECT).

export const KEY_BYTES = 32;
export const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAGIC = Buffer.from('CSE1', 'latin1');
const SHARE_BYTES = KEY_ID_BYTES + IV_BYTES + TAG_BYTES + KEY_BYTES;

/** The blind-index key of "no identified data subject" (a real subject hash is 32 bytes). */
export const NO_SUBJECT = Buffer.from([0]);

export interface SubjectKey {
  readonly keyId: Buffer;
  readonly key: Buffer;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

function seal(key: Buffer, plain: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return { iv, tag: c.getAuthTag(), ct };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, ct: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]);
}

/** A new subject key and its wrapped form (iv ‖ tag ‖ ciphertext, bound to the key id). */
export function newSubjectKey(kek: Buffer): { key: SubjectKey; wrapped: Buffer } {
  const keyId = randomBytes(KEY_ID_BYTES);
  const key = randomBytes(KEY_BYTES);
  const { iv, tag, ct } = seal(kek, key, keyId);
  return { key: { keyId, key }, wrapped: Buffer.concat([iv, tag, ct]) };
}

export function unwrapSubjectKey(kek: Buffer, keyId: Buffer, wrapped: Buffer): SubjectKey {
  if (wrapped.length !== IV_BYTES + TAG_BYTES + KEY_BYTES) throw new EnvelopeError('malformed wrapped key');
  try {
    const key = open(
      kek,
      wrapped.subarray(0, IV_BYTES),
      wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
      wrapped.subarray(IV_BYTES + TAG_BYTES),
      keyId,
    );
    return { keyId, key };
  } catch {
    throw new EnvelopeError(
      'a subject key does not open under this key encryption key (wrong audit key file?)',
    );
  }
}

/** Encrypts `plain` so that it opens only while every one of `keys` exists. */
export function sealPayload(plain: Buffer, keys: readonly SubjectKey[]): Buffer {
  if (keys.length === 0 || keys.length > 255)
    throw new EnvelopeError('a payload is sealed under 1 to 255 keys');
  const dataKey = randomBytes(KEY_BYTES);
  const shares: Buffer[] = [];
  const last = Buffer.from(dataKey);
  for (let i = 0; i < keys.length - 1; i++) {
    const share = randomBytes(KEY_BYTES);
    for (let j = 0; j < KEY_BYTES; j++) last[j] = (last[j] as number) ^ (share[j] as number);
    shares.push(share);
  }
  shares.push(last);
  const parts: Buffer[] = [MAGIC, Buffer.from([keys.length])];
  keys.forEach((k, i) => {
    const s = seal(k.key, shares[i] as Buffer, k.keyId);
    parts.push(k.keyId, s.iv, s.tag, s.ct);
  });
  const body = seal(dataKey, plain, MAGIC);
  parts.push(body.iv, body.tag, body.ct);
  dataKey.fill(0);
  return Buffer.concat(parts);
}

/** The key ids a sealed payload needs. */
export function sealedKeyIds(sealed: Buffer): Buffer[] {
  const n = headerCount(sealed);
  const ids: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const at = 5 + i * SHARE_BYTES;
    ids.push(sealed.subarray(at, at + KEY_ID_BYTES));
  }
  return ids;
}

function headerCount(sealed: Buffer): number {
  if (sealed.length < 5 || !sealed.subarray(0, 4).equals(MAGIC))
    throw new EnvelopeError('not a sealed payload');
  const n = sealed[4] as number;
  if (sealed.length < 5 + n * SHARE_BYTES + IV_BYTES + TAG_BYTES)
    throw new EnvelopeError('truncated sealed payload');
  return n;
}

export type OpenResult = { ok: true; plain: Buffer } | { ok: false; missing: number };

/** Opens a sealed payload, or says how many of its keys are gone (the subject was erased). */
export function openPayload(sealed: Buffer, keyFor: (keyId: Buffer) => SubjectKey | undefined): OpenResult {
  const n = headerCount(sealed);
  const dataKey = Buffer.alloc(KEY_BYTES);
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const at = 5 + i * SHARE_BYTES;
    const keyId = sealed.subarray(at, at + KEY_ID_BYTES);
    const iv = sealed.subarray(at + KEY_ID_BYTES, at + KEY_ID_BYTES + IV_BYTES);
    const tag = sealed.subarray(at + KEY_ID_BYTES + IV_BYTES, at + KEY_ID_BYTES + IV_BYTES + TAG_BYTES);
    const ct = sealed.subarray(at + KEY_ID_BYTES + IV_BYTES + TAG_BYTES, at + SHARE_BYTES);
    const key = keyFor(keyId);
    if (!key) {
      missing++;
      continue;
    }
    const share = open(key.key, iv, tag, ct, keyId);
    for (let j = 0; j < KEY_BYTES; j++) dataKey[j] = (dataKey[j] as number) ^ (share[j] as number);
  }
  if (missing > 0) return { ok: false, missing };
  const at = 5 + n * SHARE_BYTES;
  const iv = sealed.subarray(at, at + IV_BYTES);
  const tag = sealed.subarray(at + IV_BYTES, at + IV_BYTES + TAG_BYTES);
  try {
    return { ok: true, plain: open(dataKey, iv, tag, sealed.subarray(at + IV_BYTES + TAG_BYTES), MAGIC) };
  } catch {
    throw new EnvelopeError('the sealed payload does not authenticate (tampered)');
  } finally {
    dataKey.fill(0);
  }
}

// The deployment's masking key: read once at boot from `hmacKeyFile`, or made up for a run.

import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MaskingKeys } from './types.ts';

const MIN_KEY_BYTES = 32;

/** Reads a key file holding 32+ bytes as hex, base64 or raw bytes; throws naming the file. */
export function loadHmacKey(file: string): Buffer {
  const raw = readFileSync(file);
  const text = raw.toString('utf8').trim();
  let key: Buffer;
  if (/^(?:[0-9a-fA-F]{2}){32,}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43,}={0,2}$/.test(text)) key = Buffer.from(text, 'base64');
  else key = raw;
  if (key.length < MIN_KEY_BYTES)
    throw new Error(`${file}: masking key must hold at least ${MIN_KEY_BYTES} bytes`);
  return key;
}

/** Keys for the configured file, or a random one: pseudonyms then change at every start. */
export function loadMaskingKeys(
  hmacKeyFile: string | undefined,
  encrypt?: MaskingKeys['encrypt'],
): MaskingKeys {
  const hmacKey = hmacKeyFile === undefined ? randomBytes(MIN_KEY_BYTES) : loadHmacKey(hmacKeyFile);
  return encrypt === undefined ? { hmacKey } : { hmacKey, encrypt };
}

/**
 * The key of the findings' keyed hash (keyed BLAKE2s, src/masking/blake2s.ts), derived from the
 * deployment key for that one use: the pseudonym operator's HMAC-SHA256 keeps the deployment key
 * itself, and a value's blind-index key then never equals its pseudonym's hash.
 */
export const findingHashKey = (hmacKey: Buffer): Buffer =>
  createHmac('sha256', hmacKey).update('custos finding hash v2').digest();

import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.ts';

/**
 * SHA-256 (hex) of the canonical JSON of a call's arguments (RFC 8785 key order): the same
 * arguments in any key order give the same digest, and any change to a value gives another. A
 * grant is bound to this digest, so changed arguments need a new approval.
 */
export function argumentsDigest(args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(args ?? {}))
    .digest('hex');
}

// The UTF-8 bytes of a value for the keyed hashes' general path (non-ASCII or long values).

const encoder = new TextEncoder();

/**
 * The UTF-8 bytes of `value`: written into `scratch` when they surely fit (at most three bytes a
 * UTF-16 code unit), in a new array otherwise.
 */
export function utf8Bytes(value: string, scratch: Uint8Array): Uint8Array {
  if (value.length * 3 <= scratch.length)
    return scratch.subarray(0, encoder.encodeInto(value, scratch).written);
  return encoder.encode(value);
}

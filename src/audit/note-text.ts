// Small text rules shared by signed notes and checkpoints (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint).

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard base64 (RFC 4648 §4) with padding, decoded only when the encoding is canonical: the
 * one a conforming encoder produces, so unused bits are zero. Buffer.from(s, 'base64') skips
 * characters it does not know and takes any padding; for signatures and root hashes that would
 * make two different strings stand for the same bytes.
 */
export function decodeBase64Strict(s: string): Buffer | undefined {
  if (!BASE64.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : undefined;
}

// c2sp.org/signed-note: "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control
// characters (those below U+0020) other than newline." A JavaScript string cannot hold invalid
// UTF-8 but can hold a lone surrogate, which has no UTF-8 encoding.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f]|\p{Cs}/u;

/** True when `s` may appear in a signed note. */
export function isNoteSafe(s: string): boolean {
  return !FORBIDDEN.test(s);
}

// Key names "MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)
// characters" (the Unicode White_Space property, as Go's unicode.IsSpace).
const NAME_FORBIDDEN = /[\p{White_Space}+]/u;

/** A valid key name, which also keeps notes carrying it openable. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !NAME_FORBIDDEN.test(name) && isNoteSafe(name);
}

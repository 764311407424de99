// What may go into an HTTP header the gateway sends: one definition for the config schema, the
// credential step, the token exchange, the policy's Mcp-Param names and the upstream pool.

/** A header name: a token (RFC 9110 §5.6.2). */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

/**
 * Whether `text` from `from` to `to` (not empty) is a token, as HTTP_TOKEN says, checked in place:
 * the parsers of header lines read names without slicing them out first.
 */
export function isTokenAt(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * A header value's bounds without the spaces and tabs around it (optional whitespace, RFC 9110
 * §5.6.3): valueStart and valueEnd of `text` between `from` and `to`, as two numbers (the parsers
 * call them for every header line of every request, so nothing is allocated).
 */
export function valueStart(text: string, from: number, to: number): number {
  while (from < to && isOws(text.charCodeAt(from))) from++;
  return from;
}

/** See valueStart. */
export function valueEnd(text: string, from: number, to: number): number {
  while (to > from && isOws(text.charCodeAt(to - 1))) to--;
  return to;
}

const isOws = (c: number): boolean => c === 32 || c === 9;

/** What would split a header or end it early: NUL, CR or LF. */
export const BAD_HEADER_VALUE = /[\0\r\n]/;

/** Headers the upstream pool frames itself; they may not be configured or passed in. */
export const POOL_FRAMED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
]);

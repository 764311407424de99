// What may go into an HTTP header the gateway sends: one definition for the config schema, the
// credential step, the token exchange, the policy's Mcp-Param names and the upstream pool.

/** A header name: a token (RFC 9110 §5.6.2). */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

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

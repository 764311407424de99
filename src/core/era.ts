// MCP has two eras (docs/specification/<version>/): the legacy one with initialize and sessions
// (2024-11-05 … 2025-11-25) and the stateless one (2026-07-28 on).

export const LEGACY_VERSIONS: ReadonlySet<string> = new Set([
  '2024-11-05',
  '2025-03-26',
  '2025-06-18',
  '2025-11-25',
]);

/** Versions whose Streamable HTTP (or JSON-RPC transport) allows batches. */
export const BATCH_VERSIONS: ReadonlySet<string> = new Set(['2024-11-05', '2025-03-26']);

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';

const VERSION_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** A dated version after the last legacy one belongs to the stateless era. */
export function isModernVersion(v: string): boolean {
  return VERSION_SHAPE.test(v) && !LEGACY_VERSIONS.has(v) && v > '2025-11-25';
}

/** MCP 2026-07-28 streamable-http "Value Encoding": `=?base64?…?=` carries non-ASCII values. */
export function decodeHeaderValue(v: string): string | undefined {
  if (v.startsWith('=?base64?') && v.endsWith('?=') && v.length >= 11) {
    const b64 = v.slice(9, -2);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
    return Buffer.from(b64, 'base64').toString('utf8');
  }
  return v;
}

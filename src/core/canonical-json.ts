// Canonical JSON — keys sorted by UTF-16 code units, no whitespace, numbers and strings as
// JSON.stringify writes them: the JSON Canonicalization Scheme (RFC 8785) for the values JSON.parse
// produces. Two JSON texts that mean the same object give the same bytes, whatever their key
// order, so hashes over it (tool pins, approval argument digests) do not depend on a client's
// serialiser.

const MAX_DEPTH = 256;

/** Canonical JSON of a JSON value; `undefined` object members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

function write(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error('canonicalJson: nested too deeply');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript number serialisation; non-finite numbers are not JSON.
      if (!Number.isFinite(v)) throw new Error('canonicalJson: non-finite number');
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v))
        return `[${v.map((x) => (x === undefined ? 'null' : write(x, depth + 1))).join(',')}]`;
      const o = v as Record<string, unknown>;
      const parts: string[] = [];
      // Default sort compares UTF-16 code units, the order RFC 8785 §3.2.3 asks for.
      for (const k of Object.keys(o).sort()) {
        if (o[k] === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${write(o[k], depth + 1)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: a ${typeof v} is not JSON`);
  }
}

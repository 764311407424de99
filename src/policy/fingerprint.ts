// Tool pinning (issue 5): a hash of what a model is shown about a tool, so an upstream that
// changes a tool under the clients' feet is noticed. The hash is over canonical JSON — keys
// sorted by UTF-16 code units, no whitespace, numbers and strings as JSON.stringify writes them,
// which is the JSON Canonicalization Scheme (RFC 8785) for the values JSON.parse produces.

import { createHash } from 'node:crypto';

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

export interface ToolDescriptor {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

/**
 * `sha256:<hex>` over the fields a model or user sees. `_meta` and icons are left out: they
 * change for bookkeeping and do not change what the tool claims to do.
 */
export function toolFingerprint(tool: ToolDescriptor): string {
  const pinned = {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: tool.annotations,
  };
  return `sha256:${createHash('sha256').update(canonicalJson(pinned)).digest('hex')}`;
}

export interface PinComparison {
  /** Known tools whose fingerprint differs, in the order the upstream lists them. */
  readonly changed: string[];
  /** Tools not known before, in the upstream's order. */
  readonly added: string[];
  /** Known tools the upstream no longer lists, in the known map's order. */
  readonly removed: string[];
}

/** Compares an upstream's tools with the accepted pins. A name listed twice counts once (the first). */
export function comparePins(
  known: ReadonlyMap<string, string>,
  tools: readonly ToolDescriptor[],
): PinComparison {
  const changed: string[] = [];
  const added: string[] = [];
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) continue;
    seen.add(t.name);
    const pin = known.get(t.name);
    if (pin === undefined) added.push(t.name);
    else if (pin !== toolFingerprint(t)) changed.push(t.name);
  }
  const removed = [...known.keys()].filter((name) => !seen.has(name));
  return { changed, added, removed };
}

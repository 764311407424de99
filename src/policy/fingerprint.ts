// Tool pinning (issue 5): a hash of what a model is shown about a tool, so an upstream that
// changes a tool under the clients' feet is noticed. The hash is over canonical JSON
// (src/core/canonical-json.ts, RFC 8785 for the values JSON.parse produces).

import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.ts';

export { canonicalJson };

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

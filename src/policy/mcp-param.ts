import { HTTP_TOKEN } from '../core/http-header.ts';

// MCP 2026-07-28 `x-mcp-header` / `Mcp-Param-{Name}` (basic/transports/streamable-http, "Custom
// Headers from Tool Parameters"; server/tools): a tool may ask clients to mirror an argument into
// a header, so intermediaries can route on it. The body stays the truth the policy judges; the
// gateway makes sure a header can never say something else than the body, because the upstream
// may read either:
//
//   - a header the tool's inputSchema designates must decode to the body's value at that path
//     (strings exactly, integers numerically, booleans as "true"/"false");
//   - a designated argument present in the body needs its header (2026-07-28), and a header whose
//     argument is absent or null is a mismatch — a value cannot arrive by header alone;
//   - a Mcp-Param-* header the tool does not designate, or on a tool whose schema the gateway has
//     not seen, is refused: the client is told (-32020) and lists the tools again, as the spec
//     asks clients to do on a HeaderMismatch.
//
// So a rule written on `args.x` applies whichever way x arrives.

/** One designated parameter: the chain of `properties` keys to it, and its declared type. */
export interface ParamHeader {
  readonly path: readonly string[];
  readonly type: string | undefined;
}

/** Lower-cased header suffix (`region` for Mcp-Param-Region) → the parameter it mirrors. */
export type ParamHeaderMap = Readonly<Record<string, ParamHeader>>;

const PRIMITIVE = new Set(['string', 'integer', 'boolean']);
const MAX_DEPTH = 32;
export const PARAM_PREFIX = 'mcp-param-';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function primitiveType(schema: Obj): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return PRIMITIVE.has(t) ? t : undefined;
  if (Array.isArray(t)) {
    const kinds = t.filter((x) => x !== 'null');
    return kinds.length === 1 && PRIMITIVE.has(kinds[0] as string) ? (kinds[0] as string) : undefined;
  }
  return undefined;
}

/**
 * The valid `x-mcp-header` annotations of an inputSchema: statically reachable through
 * `properties` only, on primitive types (not `number`), token names, unique ignoring case. An
 * invalid annotation is left out (clients must not list such a tool, so none mirrors it). Null
 * when the schema designates nothing.
 */
export function paramHeadersOf(inputSchema: unknown): ParamHeaderMap | null {
  const out: Record<string, ParamHeader> = Object.create(null);
  const dupes = new Set<string>();
  const walk = (schema: unknown, path: string[]): void => {
    if (!isObj(schema) || path.length > MAX_DEPTH || !isObj(schema.properties)) return;
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (!isObj(prop)) continue;
      const name = prop['x-mcp-header'];
      if (typeof name === 'string') {
        const type = primitiveType(prop);
        const lower = name.toLowerCase();
        if (name !== '' && HTTP_TOKEN.test(name) && type !== undefined) {
          if (Object.hasOwn(out, lower)) dupes.add(lower);
          else out[lower] = { path: [...path, key], type };
        }
      }
      walk(prop, [...path, key]);
    }
  };
  walk(inputSchema, []);
  for (const d of dupes) delete out[d];
  return Object.keys(out).length === 0 ? null : out;
}

/**
 * A header value as the spec encodes it: plain visible ASCII, or `=?base64?…?=` with strict
 * Base64 (alphabet, padding). Undefined when it is neither.
 */
export function decodeParamValue(v: string): string | undefined {
  if (v.startsWith('=?base64?') && v.endsWith('?=') && v.length >= 11) {
    const b64 = v.slice(9, -2);
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
    const buf = Buffer.from(b64, 'base64');
    if (buf.toString('base64') !== b64) return undefined;
    return buf.toString('utf8');
  }
  return /^[\x20-\x7e\t]*$/.test(v) ? v : undefined;
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let v: unknown = args;
  for (const key of path) {
    if (!isObj(v) || !Object.hasOwn(v, key)) return undefined;
    v = v[key];
  }
  return v;
}

function sameValue(decoded: string, value: unknown): boolean {
  if (typeof value === 'string') return decoded === value;
  if (typeof value === 'boolean') return decoded === (value ? 'true' : 'false');
  // MCP: integers compare numerically (`42.0` and `42` are equal).
  if (typeof value === 'number')
    return /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(decoded) && Number(decoded) === value;
  return false;
}

/** The Mcp-Param-* header names on a request (lower-cased, as Node gives them). */
export function paramHeaderNames(headers: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const k in headers) if (k.startsWith(PARAM_PREFIX)) out.push(k);
  return out;
}

/**
 * What is wrong with a tools/call's Mcp-Param-* headers against its body, or undefined when they
 * agree. `map` undefined: the gateway has not seen the tool's schema. `requireMirrors`: a body
 * value needs its header (2026-07-28 clients must send them; legacy ones never do).
 */
export function checkParamHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  args: unknown,
  map: ParamHeaderMap | null | undefined,
  requireMirrors: boolean,
): string | undefined {
  const present = paramHeaderNames(headers);
  if (map === undefined) {
    return present.length === 0
      ? undefined
      : 'Mcp-Param-* headers on a tool whose inputSchema the gateway has not seen; list the tools, then call again';
  }
  for (const h of present) {
    if (map === null || !Object.hasOwn(map, h.slice(PARAM_PREFIX.length)))
      return `${h}: the tool designates no such parameter (x-mcp-header)`;
  }
  if (map === null) return undefined;
  for (const [name, param] of Object.entries(map)) {
    const header = `${PARAM_PREFIX}${name}`;
    const raw = headers[header];
    const value = valueAt(args, param.path);
    if (value === undefined || value === null) {
      if (raw !== undefined)
        return `${header}: present, but the argument '${param.path.join('.')}' is not in the body`;
      continue;
    }
    if (raw === undefined) {
      if (requireMirrors)
        return `${header}: missing, but the argument '${param.path.join('.')}' is in the body`;
      continue;
    }
    const decoded = typeof raw === 'string' ? decodeParamValue(raw) : undefined;
    if (decoded === undefined) return `${header}: not a valid header value`;
    if (!sameValue(decoded, value)) return `${header}: does not match the argument '${param.path.join('.')}'`;
  }
  return undefined;
}

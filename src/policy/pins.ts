import { GatewayError } from '../core/errors.ts';
import { addOutbound, type Exchange } from '../core/exchange.ts';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import { log } from '../core/log.ts';
import type { PinStore, ToolPin } from '../store/index.ts';
import { type ToolDescriptor, toolFingerprint } from './fingerprint.ts';
import { checkParamHeaders, type ParamHeaderMap, paramHeaderNames, paramHeadersOf } from './mcp-param.ts';

// Tool pinning (docs/policy.md, "Tool pinning") and the Mcp-Param-* check, as one step before
// authorize. Every tools/list answer that passes is fingerprinted per tool: a tool seen for the
// first time is pinned as it is (trust on first use); a tool whose description or schema differs
// from its pin is flagged — logged and marked `changed` in the store — and, on a server with
// `pinning.onChange: block`, hidden from lists and refused when called until an admin accepts
// the new version (`custos policy pins accept`, the admin API). The same answers give the
// gateway each tool's x-mcp-header map, against which a call's Mcp-Param-* headers are checked
// (mcp-param.ts). State lives in the store; every replica polls it for changes.

export type PinMode = 'flag' | 'block';

export interface GatewayPins {
  /** The step: refuses changed tools on blocking servers, checks Mcp-Param-*, records tools/list. */
  check(ex: Exchange): void;
  list(server?: string): ToolPin[];
  /** Accepts the version last seen; undefined when the tool has no pin. */
  accept(server: string, tool: string, by: string): ToolPin | undefined;
  close(): void;
}

interface Cached {
  readonly pin: ToolPin;
  readonly headers: ParamHeaderMap | null;
}

function parseHeaders(json: string | null): ParamHeaderMap | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as ParamHeaderMap;
  } catch {
    return null;
  }
}

export function buildPins(
  store: PinStore,
  modes: ReadonlyMap<string, PinMode>,
  opts: { pollMs?: number } = {},
): GatewayPins {
  const byServer = new Map<string, Map<string, Cached>>();
  let lastRev = 0;
  const put = (pin: ToolPin): Cached => {
    let tools = byServer.get(pin.server);
    if (!tools) {
      tools = new Map();
      byServer.set(pin.server, tools);
    }
    const cached = { pin, headers: parseHeaders(pin.headers) };
    tools.set(pin.tool, cached);
    if (pin.rev > lastRev) lastRev = pin.rev;
    return cached;
  };
  for (const pin of store.listToolPins()) put(pin);

  const poll = (): void => {
    try {
      for (const pin of store.toolPinsSince(lastRev)) put(pin);
    } catch (err) {
      log('warn', 'tool pin poll failed', { error: String(err) });
    }
  };
  const timer = setInterval(poll, opts.pollMs ?? 1000);
  timer.unref();

  const blocking = (server: string): boolean => modes.get(server) === 'block';

  const observe = (server: string, tool: ToolDescriptor): Cached | undefined => {
    let fingerprint: string;
    try {
      fingerprint = toolFingerprint(tool);
    } catch {
      return undefined; // not JSON we can hash (nested too deep): nothing to pin
    }
    const headersMap = paramHeadersOf(tool.inputSchema);
    const headers = headersMap === null ? null : JSON.stringify(headersMap);
    const known = byServer.get(server)?.get(tool.name);
    if (known && known.pin.seen === fingerprint && known.pin.headers === headers) return known;
    try {
      const pin = store.observeToolPin({ server, tool: tool.name, fingerprint, headers, at: Date.now() });
      if (pin.status === 'changed' && known?.pin.seen !== fingerprint) {
        log('warn', 'tool changed upstream', {
          server,
          tool: tool.name,
          pinned: pin.pinned,
          seen: pin.seen,
          onChange: blocking(server) ? 'block' : 'flag',
        });
      }
      return put(pin);
    } catch (err) {
      log('error', 'tool pin not recorded', { server, tool: tool.name, error: String(err) });
      return known;
    }
  };

  /** Records each tool of a tools/list page; on a blocking server, changed tools are left out. */
  const recordList = (server: string, msg: JsonRpcMessage): JsonRpcMessage => {
    const result = msg.result as { tools?: unknown } | undefined;
    if (!result || typeof result !== 'object' || !Array.isArray(result.tools)) return msg;
    const keep: unknown[] = [];
    for (const t of result.tools as ToolDescriptor[]) {
      if (typeof t !== 'object' || t === null || typeof t.name !== 'string') continue;
      const c = observe(server, t);
      if (blocking(server) && c?.pin.status === 'changed') continue;
      keep.push(t);
    }
    return keep.length === result.tools.length ? msg : { ...msg, result: { ...result, tools: keep } };
  };

  return {
    check(ex) {
      if (ex.httpMethod !== 'POST') return;
      const server = ex.upstream.name;
      const tools = byServer.get(server);
      for (const msg of ex.messages) {
        if (msg.method !== 'tools/call' || typeof msg.params?.name !== 'string') continue;
        const c = tools?.get(msg.params.name);
        if (c?.pin.status === 'changed' && blocking(server)) {
          throw new GatewayError('CUSTOS_TOOL_CHANGED', {
            detail: `tool '${msg.params.name}' on '${server}' changed since it was accepted`,
          });
        }
      }
      const first = ex.messages[0];
      const named = paramHeaderNames(ex.req.headers).length > 0;
      if (
        first?.method === 'tools/call' &&
        ex.messages.length === 1 &&
        typeof first.params?.name === 'string'
      ) {
        const c = tools?.get(first.params.name);
        if (named || c?.headers) {
          const problem = checkParamHeaders(
            ex.req.headers,
            first.params.arguments,
            c === undefined ? undefined : c.headers,
            ex.era === 'modern',
          );
          if (problem !== undefined) throw new GatewayError('CUSTOS_HEADER_MISMATCH', { detail: problem });
        }
      } else if (named) {
        throw new GatewayError('CUSTOS_HEADER_MISMATCH', {
          detail: 'Mcp-Param-* headers mirror tools/call arguments only',
        });
      }
      if (first?.method === 'tools/list') addOutbound(ex, (msg) => recordList(server, msg));
    },
    list(server) {
      return store.listToolPins(server);
    },
    accept(server, tool, by) {
      const pin = store.acceptToolPin(server, tool, by, Date.now());
      if (pin === undefined) return undefined;
      put(pin);
      log('info', 'tool version accepted', { server, tool, fingerprint: pin.pinned, by });
      return pin;
    },
    close: () => clearInterval(timer),
  };
}

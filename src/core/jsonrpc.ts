// JSON-RPC 2.0 message shapes, as far as the gateway needs to tell them apart.

export type JsonRpcId = string | number;

export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: JsonRpcId | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type MessageKind = 'request' | 'notification' | 'response';

function isId(v: unknown): v is JsonRpcId {
  return (typeof v === 'string' && v.length <= 256) || (typeof v === 'number' && Number.isFinite(v));
}

/** Classifies one parsed value, or returns undefined when it is not a JSON-RPC 2.0 message. */
export function classifyMessage(v: unknown): MessageKind | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const m = v as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return undefined;
  if (typeof m.method === 'string') {
    if (m.method.length === 0 || m.method.length > 256) return undefined;
    if (
      m.params !== undefined &&
      (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))
    )
      return undefined;
    if (!('id' in m)) return 'notification';
    return isId(m.id) ? 'request' : undefined;
  }
  const hasResult = 'result' in m;
  const hasError = 'error' in m;
  if (hasResult === hasError) return undefined;
  if (!isId(m.id) && !(hasError && m.id === null)) return undefined;
  if (hasError) {
    const e = m.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string')
      return undefined;
  }
  return 'response';
}

export function rpcError(
  id: JsonRpcId | null | undefined,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcMessage {
  const error: JsonRpcMessage['error'] = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id: id ?? null, error };
}

/** The name an exchange is about: the tool, prompt or resource URI. */
export function targetName(msg: JsonRpcMessage): string | undefined {
  const p = msg.params;
  if (!p) return undefined;
  if (typeof p.name === 'string') return p.name;
  if (typeof p.uri === 'string') return p.uri;
  return undefined;
}

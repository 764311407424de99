// Masking a client → server message, for the audit trail's masked recording (issue 7): tool
// arguments, completion arguments, resource URIs, and the client's answers to sampling,
// elicitation and roots requests can all carry personal data. Protocol fields (method, tool name,
// capabilities, client info, cursors, progress tokens, reserved `_meta` keys) are left as they are.

import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import type { CompiledProfile } from './compile.ts';
import { createRun, finishRun, keySegment, type MaskRun, maskValue, setOwn } from './engine.ts';
import { maskErrorOf } from './message.ts';
import type { Finding } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const PROTOCOL: ReadonlySet<string> = new Set(
  'protocolVersion capabilities clientInfo cursor name method progressToken requestState level task ttl ref'.split(
    ' ',
  ),
);
const RESERVED_META = /^(?:io\.)?modelcontextprotocol(?:\.io)?\//;

function maskObject(run: MaskRun, obj: Obj, path: string, skip: ReadonlySet<string>): Obj {
  let copy: Obj | undefined;
  for (const key of Object.keys(obj)) {
    if (skip.has(key)) continue;
    const v = obj[key];
    const p = path + keySegment(key);
    let masked: unknown;
    if (key === '_meta' && isObj(v)) {
      const meta: Obj = {};
      let changed = false;
      for (const k of Object.keys(v)) {
        const mv =
          RESERVED_META.test(k) || k === 'progressToken'
            ? v[k]
            : maskValue(run, v[k], p + keySegment(k), [k]);
        if (mv !== v[k]) changed = true;
        setOwn(meta, k, mv);
      }
      masked = changed ? meta : v;
    } else masked = maskValue(run, v, p, []);
    if (masked !== v) {
      copy ??= { ...obj };
      setOwn(copy, key, masked);
    }
  }
  return copy ?? obj;
}

/** Masks a client → server message (request, notification or the answer to a server request). */
export function maskClientMessage(
  msg: JsonRpcMessage,
  profile: CompiledProfile,
): { msg: JsonRpcMessage; findings: Finding[] } {
  const run = createRun(profile);
  let out: JsonRpcMessage = msg;
  if (isObj(msg.params)) {
    const params = maskObject(run, msg.params, '$.params', PROTOCOL);
    if (params !== msg.params) out = { ...out, params };
  }
  if (isObj(msg.result)) {
    const result = maskObject(run, msg.result, '$.result', PROTOCOL);
    if (result !== msg.result) out = { ...out, result };
  }
  const masked = maskErrorOf(run, out);
  return { msg: masked, findings: finishRun(run) };
}

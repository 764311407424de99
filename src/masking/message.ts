// Masking an MCP message going server → client, both eras (2024-11-05 … 2025-11-25 and
// 2026-07-28); a client → server request masks the same way (its `arguments` as data), for a
// masked recording of what was asked. Content-carrying fields are masked by what they are: text
// blocks as text (JSON inside by field), structuredContent and log data as JSON
// (type-preserving), resource contents, prompt and sampling messages, elicitation requests,
// completion values, error message and data, and 2026-07-28 `input_required` results' embedded
// requests. Unknown fields under result/params are walked as data: anything unrecognised is
// treated as possibly personal.
//
// Left alone, as protocol: jsonrpc, id, method, protocolVersion, capabilities, server/client
// info, cursors, `requestState` (opaque, the server verifies it on re-entry, so it must come
// back byte for byte), tool/prompt names and schemas in list results, MIME types, base64 image
// and audio data, and `_meta` keys under the reserved `io.modelcontextprotocol/` prefix.
// URIs (`uri`, `uriTemplate`, `url`) are addresses the client must dereference unchanged: their
// findings are recorded with operator `keep`, and what they point to is masked when read.

import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import type { CompiledProfile } from './compile.ts';
import { createRun, finishRun, keySegment, type MaskRun, maskString, maskValue, setOwn } from './engine.ts';
import { copyFinding } from './run.ts';
import type { Finding } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const PROTOCOL: ReadonlySet<string> = new Set(
  (
    'protocolVersion capabilities serverInfo clientInfo nextCursor cursor requestState resultType ' +
    'isError progressToken progress total level hasMore mode elicitationId modelPreferences ' +
    'includeContext maxTokens temperature stopSequences toolChoice requestId taskId status ttl ' +
    'pollInterval createdAt lastUpdatedAt role type mimeType size annotations icons inputSchema ' +
    'outputSchema name method task execution model stopReason action signature'
  ).split(' '),
);
const TEXT: ReadonlySet<string> = new Set(
  'text instructions description message systemPrompt logger title reason statusMessage'.split(' '),
);
const ADDRESS: ReadonlySet<string> = new Set('uri uriTemplate url'.split(' '));
const DEFINITIONS: ReadonlySet<string> = new Set('tools prompts resources resourceTemplates'.split(' '));
const RESERVED_META = /^(?:io\.)?modelcontextprotocol(?:\.io)?\//;

/** Copy-on-write update of one key. */
function put(obj: Obj, copy: Obj | undefined, key: string, value: unknown): Obj | undefined {
  if (value === obj[key]) return copy;
  const out = copy ?? { ...obj };
  setOwn(out, key, value);
  return out;
}

function reportOnly(run: MaskRun, value: unknown, path: string): unknown {
  if (typeof value === 'string') {
    run.reportOnly = true;
    maskString(run, value, path);
    run.reportOnly = false;
  }
  return value;
}

function maskMeta(run: MaskRun, meta: unknown, path: string): unknown {
  if (!isObj(meta)) return meta;
  let copy: Obj | undefined;
  for (const key of Object.keys(meta)) {
    if (RESERVED_META.test(key) || key === 'progressToken') continue;
    copy = put(meta, copy, key, maskValue(run, meta[key], path + keySegment(key), [key]));
  }
  return copy ?? meta;
}

function maskList(
  run: MaskRun,
  value: unknown,
  path: string,
  each: (run: MaskRun, v: unknown, p: string) => unknown,
) {
  if (!Array.isArray(value)) return isObj(value) ? each(run, value, path) : maskValue(run, value, path, []);
  let copy: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const masked = each(run, value[i], `${path}[${i}]`);
    if (masked !== value[i]) {
      copy ??= value.slice();
      copy[i] = masked;
    }
  }
  return copy ?? value;
}

/** Resource contents (resources/read, embedded resources): text masked, textual blobs too. */
function maskResource(run: MaskRun, res: unknown, path: string): unknown {
  if (!isObj(res)) return maskValue(run, res, path, []);
  let copy: Obj | undefined;
  for (const key of Object.keys(res)) {
    const v = res[key];
    const p = path + keySegment(key);
    if (key === 'text' && typeof v === 'string') copy = put(res, copy, key, maskString(run, v, p));
    else if (
      key === 'blob' &&
      typeof v === 'string' &&
      /^(?:text\/|application\/(?:[\w.+-]*\+)?json)/.test(String(res.mimeType))
    ) {
      const decoded = Buffer.from(v, 'base64').toString('utf8');
      const masked = maskString(run, decoded, p);
      copy = put(res, copy, key, masked === decoded ? v : Buffer.from(masked, 'utf8').toString('base64'));
    } else if (ADDRESS.has(key)) reportOnly(run, v, p);
    else if (key === '_meta') copy = put(res, copy, key, maskMeta(run, v, p));
    else if (key !== 'blob' && !PROTOCOL.has(key)) copy = put(res, copy, key, maskValue(run, v, p, []));
  }
  return copy ?? res;
}

/** One content block: text, image, audio, resource, resource_link, tool_use, tool_result. */
function maskBlock(run: MaskRun, block: unknown, path: string): unknown {
  if (!isObj(block)) return maskValue(run, block, path, []);
  let copy: Obj | undefined;
  const media = block.type === 'image' || block.type === 'audio';
  for (const key of Object.keys(block)) {
    const v = block[key];
    const p = path + keySegment(key);
    if (key === 'type' || key === 'mimeType' || key === 'annotations' || (media && key === 'data')) continue;
    if (key === 'resource') copy = put(block, copy, key, maskResource(run, v, p));
    else if (key === 'content') copy = put(block, copy, key, maskList(run, v, p, maskBlock));
    else if (key === '_meta') copy = put(block, copy, key, maskMeta(run, v, p));
    else if (ADDRESS.has(key)) reportOnly(run, v, p);
    else if (key === 'name' || key === 'id' || key === 'toolUseId') continue;
    else copy = put(block, copy, key, maskValue(run, v, p, []));
  }
  return copy ?? block;
}

/** A tool/prompt/resource definition in a list result: only its human-readable text. */
function maskDefinition(run: MaskRun, def: unknown, path: string): unknown {
  if (!isObj(def)) return def;
  let copy: Obj | undefined;
  for (const key of ['title', 'description'])
    if (typeof def[key] === 'string')
      copy = put(def, copy, key, maskString(run, def[key] as string, `${path}.${key}`));
  for (const key of ['uri', 'uriTemplate']) reportOnly(run, def[key], `${path}.${key}`);
  return copy ?? def;
}

function maskMessages(run: MaskRun, m: unknown, path: string): unknown {
  if (!isObj(m)) return maskValue(run, m, path, []);
  return maskEnvelope(run, m, path);
}

function maskEmbeddedRequests(run: MaskRun, requests: unknown, path: string): unknown {
  if (!isObj(requests)) return maskValue(run, requests, path, []);
  let copy: Obj | undefined;
  for (const key of Object.keys(requests)) {
    const req = requests[key];
    const p = path + keySegment(key);
    copy = put(requests, copy, key, isObj(req) ? maskEnvelope(run, req, p) : maskValue(run, req, p, []));
  }
  return copy ?? requests;
}

/** The shared walk of `result` and `params`: known MCP fields by what they carry, the rest as data. */
function maskEnvelope(run: MaskRun, obj: Obj, path: string): Obj {
  let copy: Obj | undefined;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    const p = path + keySegment(key);
    if (PROTOCOL.has(key) || key === 'jsonrpc' || key === 'id') continue;
    if (key === '_meta') copy = put(obj, copy, key, maskMeta(run, v, p));
    else if (key === 'content') {
      // With structuredContent, the content blocks are masked together with it (maskToolResult).
      if (!('structuredContent' in obj)) copy = put(obj, copy, key, maskList(run, v, p, maskBlock));
    } else if (key === 'structuredContent') copy = maskToolResult(run, obj, copy, path);
    else if (key === 'contents') copy = put(obj, copy, key, maskList(run, v, p, maskResource));
    else if (key === 'messages') copy = put(obj, copy, key, maskList(run, v, p, maskMessages));
    else if (key === 'params' && isObj(v)) copy = put(obj, copy, key, maskEnvelope(run, v, p));
    else if (key === 'inputRequests') copy = put(obj, copy, key, maskEmbeddedRequests(run, v, p));
    else if (DEFINITIONS.has(key) && Array.isArray(v))
      copy = put(obj, copy, key, maskList(run, v, p, maskDefinition));
    else if (key === 'completion' && isObj(v)) copy = put(obj, copy, key, maskValue(run, v, p, []));
    else if (ADDRESS.has(key)) reportOnly(run, v, p);
    else if (TEXT.has(key) && typeof v === 'string') copy = put(obj, copy, key, maskString(run, v, p));
    else copy = put(obj, copy, key, maskValue(run, v, p, []));
  }
  return copy ?? obj;
}

/**
 * A tool result with structuredContent: the structured value is masked as data, then each text
 * block. SDK servers put JSON.stringify(structuredContent) in a text block for older clients;
 * such a block is the masked structure re-serialised, with its findings re-pathed, instead of
 * being parsed and masked a second time.
 */
function maskToolResult(run: MaskRun, obj: Obj, copy: Obj | undefined, path: string): Obj | undefined {
  const structured = obj.structuredContent;
  const base = `${path}.structuredContent`;
  const first = run.findings.length;
  const masked = maskValue(run, structured, base, []);
  const last = run.findings.length;
  let out = put(obj, copy, 'structuredContent', masked);
  const content = obj.content;
  if (content === undefined) return out;
  let serialised: string | undefined;
  const duplicateOf = (block: unknown): boolean => {
    if (!isObj(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    const c = block.text.charCodeAt(0);
    if (c !== 123 && c !== 91) return false;
    serialised ??= JSON.stringify(structured);
    return block.text === serialised;
  };
  const maskedContent = maskList(run, content, `${path}.content`, (r, block, p) => {
    if (!duplicateOf(block)) return maskBlock(r, block, p);
    const textPath = `${p}.text`;
    for (let i = first; i < last; i++)
      copyFinding(r, i, textPath + (r.findings[i] as Finding).path.slice(base.length));
    return masked === structured ? block : { ...(block as Obj), text: JSON.stringify(masked) };
  });
  out = put(obj, out, 'content', maskedContent);
  return out;
}

export interface MaskMessageResult {
  msg: JsonRpcMessage;
  findings: Finding[];
}

/** Masks a server → client message (response, request or notification). */
export function maskMessage(msg: JsonRpcMessage, profile: CompiledProfile): MaskMessageResult {
  const run = createRun(profile);
  let out: JsonRpcMessage = msg;
  if (isObj(msg.result)) {
    const result = maskEnvelope(run, msg.result, '$.result');
    if (result !== msg.result) out = { ...out, result };
  }
  if (isObj(msg.params)) {
    const params = maskEnvelope(run, msg.params, '$.params');
    if (params !== msg.params) out = { ...out, params };
  }
  const masked = maskErrorOf(run, out);
  return { msg: masked, findings: finishRun(run) };
}

/** A JSON-RPC error's message and data, masked (either direction). */
export function maskErrorOf(run: MaskRun, msg: JsonRpcMessage): JsonRpcMessage {
  if (!msg.error) return msg;
  const message = maskString(run, msg.error.message, '$.error.message');
  const data = msg.error.data === undefined ? undefined : maskValue(run, msg.error.data, '$.error.data', []);
  if (message === msg.error.message && data === msg.error.data) return msg;
  return { ...msg, error: data === undefined ? { ...msg.error, message } : { ...msg.error, message, data } };
}

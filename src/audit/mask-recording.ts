import { isUtf8 } from 'node:buffer';
import { classifyMessage, type JsonRpcMessage } from '../core/jsonrpc.ts';
import { maskClientMessage } from '../masking/client-message.ts';
import type { CompiledProfile } from '../masking/compile.ts';
import { maskJson, maskMessage, maskText } from '../masking/index.ts';
import type { Finding } from '../masking/types.ts';
import { type RecordedFrame, sseEvents } from './recording.ts';

// The masked copy of an exchange for the trail (DESIGN: raw personal data never reaches the
// masked audit copy). The answer is usually masked already — it is what the client got — and
// only the request needs masking here; for callers exempt from masking, and servers without a
// masking profile, the answer is masked here too, with the audit's recording profile.

export interface MaskedParts {
  headers: Record<string, string>;
  body: Buffer | null;
  frames: RecordedFrame[];
  findings: Finding[];
}

/** Header values that can carry arguments (2026-07-28 Mcp-Param-*) are masked as text. */
function maskHeaders(
  headers: Readonly<Record<string, string>>,
  profile: CompiledProfile,
  findings: Finding[],
) {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('mcp-param-')) {
      const r = maskText(v, profile, `$.headers.${k}`);
      findings.push(...r.findings);
      out[k] = r.text;
    } else out[k] = v;
  }
  return out;
}

function maskJsonText(
  text: string,
  profile: CompiledProfile,
  findings: Finding[],
  mask: (m: JsonRpcMessage, p: CompiledProfile) => { msg: JsonRpcMessage; findings: Finding[] },
): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const r = maskText(text, profile);
    findings.push(...r.findings);
    return r.text;
  }
  const one = (m: unknown): unknown => {
    // What is not a JSON-RPC message (a refused request's body) is masked as plain data.
    if (classifyMessage(m) === undefined) {
      const r = maskJson(m, profile);
      findings.push(...r.findings);
      return r.value;
    }
    const r = mask(m as JsonRpcMessage, profile);
    findings.push(...r.findings);
    return r.msg;
  };
  const before = findings.length;
  const masked = Array.isArray(parsed) ? parsed.map(one) : one(parsed);
  // Nothing found, nothing changed: the bytes stay as they came (cheaper, and byte-exact).
  return findings.length === before ? text : JSON.stringify(masked);
}

export function maskRequest(
  headers: Readonly<Record<string, string>>,
  body: Buffer | null,
  profile: CompiledProfile,
): { headers: Record<string, string>; body: Buffer | null; findings: Finding[] } {
  const findings: Finding[] = [];
  const h = maskHeaders(headers, profile, findings);
  if (body === null || body.length === 0) return { headers: h, body, findings };
  const text = body.toString('utf8');
  const masked = maskJsonText(text, profile, findings, maskClientMessage);
  return { headers: h, body: sameBytes(body, text, masked) ?? Buffer.from(masked, 'utf8'), findings };
}

/** Masks an answer that went out unmasked: JSON whole, SSE event by event (times kept), text as text. */
export function maskAnswer(
  contentType: string | null,
  frames: readonly RecordedFrame[],
  profile: CompiledProfile,
): { frames: RecordedFrame[]; findings: Finding[] } {
  const findings: Finding[] = [];
  if (frames.length === 0) return { frames: [], findings };
  const ct = contentType ?? '';
  if (ct.startsWith('text/event-stream')) {
    const out = sseEvents(frames).map((e) => ({
      t: e.t,
      data: Buffer.from(`event: message\ndata: ${maskJsonText(e.data, profile, findings, maskMessage)}\n\n`),
    }));
    return { frames: out, findings };
  }
  const last = frames[frames.length - 1] as RecordedFrame;
  const bytes = frames.length === 1 ? last.data : Buffer.concat(frames.map((f) => f.data));
  const text = bytes.toString('utf8');
  const masked = ct.startsWith('application/json')
    ? maskJsonText(text, profile, findings, maskMessage)
    : (() => {
        const r = maskText(text, profile);
        findings.push(...r.findings);
        return r.text;
      })();
  return {
    frames: [{ t: last.t, data: sameBytes(bytes, text, masked) ?? Buffer.from(masked, 'utf8') }],
    findings,
  };
}

/**
 * The bytes as they came when masking changed nothing, instead of encoding the same text again;
 * only when they are valid UTF-8, so that the recording holds exactly the text that was masked
 * (an invalid sequence was read as U+FFFD, and is stored as such).
 */
function sameBytes(bytes: Buffer, text: string, masked: string): Buffer | undefined {
  return masked === text && isUtf8(bytes) ? bytes : undefined;
}

// The recording of one exchange: the request as the client sent it and every byte sent back, in
// order, with the time each piece left the gateway. Stored as a small binary container — a JSON
// header, then the request body and the response frames as raw bytes — so a 75 KB answer is kept
// byte for byte without being escaped into a JSON string. Replay turns it back into messages.

import type { JsonRpcMessage } from '../core/jsonrpc.ts';

const MAGIC = Buffer.from('CSR1', 'latin1');

/** The content type of a raw copy made of the upstream's messages one per frame (before masking). */
export const RAW_MESSAGES = 'application/json-seq';

export interface RecordedFrame {
  /** µs after the request was received. */
  readonly t: number;
  readonly data: Buffer;
}

export interface Recording {
  readonly request: {
    /** The MCP headers that carry meaning (Mcp-Method, Mcp-Name, Mcp-Param-*, Last-Event-ID). */
    readonly headers: Readonly<Record<string, string>>;
    readonly body: Buffer | null;
  };
  readonly response: {
    readonly status: number;
    readonly contentType: string | null;
    readonly frames: readonly RecordedFrame[];
  };
  /** Frames past the recording limit were not kept (their bytes are still counted in the event). */
  readonly truncated: boolean;
}

interface Header {
  h: Record<string, string>;
  b: number;
  s: number;
  c: string | null;
  f: [t: number, len: number][];
  x: boolean;
}

export function encodeRecording(rec: Recording): Buffer {
  const header: Header = {
    h: rec.request.headers as Record<string, string>,
    b: rec.request.body === null ? -1 : rec.request.body.length,
    s: rec.response.status,
    c: rec.response.contentType,
    f: rec.response.frames.map((f) => [f.t, f.data.length]),
    x: rec.truncated,
  };
  // Written straight into the one buffer the recording is stored from (no Buffer of the header).
  const head = JSON.stringify(header);
  const headLen = Buffer.byteLength(head, 'utf8');
  let size = 8 + headLen + (rec.request.body?.length ?? 0);
  for (const f of rec.response.frames) size += f.data.length;
  const out = Buffer.allocUnsafe(size);
  MAGIC.copy(out, 0);
  out.writeUInt32BE(headLen, 4);
  let at = 8 + out.write(head, 8, 'utf8');
  if (rec.request.body) at += rec.request.body.copy(out, at);
  for (const f of rec.response.frames) at += f.data.copy(out, at);
  return out;
}

export class RecordingFormatError extends Error {
  override readonly name = 'RecordingFormatError';
}

export function decodeRecording(buf: Buffer): Recording {
  if (buf.length < 8 || !buf.subarray(0, 4).equals(MAGIC)) throw new RecordingFormatError('not a recording');
  const headLen = buf.readUInt32BE(4);
  if (8 + headLen > buf.length) throw new RecordingFormatError('truncated recording header');
  const header = JSON.parse(buf.toString('utf8', 8, 8 + headLen)) as Header;
  let at = 8 + headLen;
  const take = (n: number): Buffer => {
    if (n < 0 || at + n > buf.length) throw new RecordingFormatError('truncated recording');
    const out = buf.subarray(at, at + n);
    at += n;
    return out;
  };
  const body = header.b < 0 ? null : take(header.b);
  const frames = header.f.map(([t, len]) => ({ t, data: take(len) }));
  if (at !== buf.length) throw new RecordingFormatError('trailing bytes after the last frame');
  return {
    request: { headers: header.h, body },
    response: { status: header.s, contentType: header.c, frames },
    truncated: header.x,
  };
}

/** One message of a replayed exchange, in the order it crossed the gateway. */
export interface TimelineEntry {
  /** µs after the request was received. */
  readonly t: number;
  readonly direction: 'request' | 'response';
  /** A JSON-RPC message, or the raw text when the bytes were not JSON (an error page, a cut stream). */
  readonly message: JsonRpcMessage | undefined;
  readonly text: string | undefined;
}

/** The messages of a recording: the request's, then each one sent back (JSON whole, SSE per event). */
export function timelineOf(rec: Recording): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  if (rec.request.body && rec.request.body.length > 0) {
    for (const m of parseMessages(rec.request.body.toString('utf8')))
      out.push({ t: 0, direction: 'request', ...m });
  }
  const frames = rec.response.frames;
  if (frames.length === 0) return out;
  const ct = rec.response.contentType ?? '';
  if (ct === RAW_MESSAGES) {
    for (const f of frames)
      for (const m of parseMessages(f.data.toString('utf8')))
        out.push({ t: f.t, direction: 'response', ...m });
  } else if (ct.startsWith('text/event-stream')) {
    for (const e of sseEvents(frames))
      for (const m of parseMessages(e.data)) out.push({ t: e.t, direction: 'response', ...m });
  } else {
    const last = frames[frames.length - 1] as RecordedFrame;
    const text = Buffer.concat(frames.map((f) => f.data)).toString('utf8');
    for (const m of parseMessages(text)) out.push({ t: last.t, direction: 'response', ...m });
  }
  return out;
}

function parseMessages(text: string): { message: JsonRpcMessage | undefined; text: string | undefined }[] {
  if (text.trim() === '') return [];
  try {
    const v = JSON.parse(text) as unknown;
    const list = Array.isArray(v) ? v : [v];
    return list.map((m) =>
      typeof m === 'object' && m !== null
        ? { message: m as JsonRpcMessage, text: undefined }
        : { message: undefined, text: JSON.stringify(m) },
    );
  } catch {
    return [{ message: undefined, text }];
  }
}

/** SSE events (WHATWG HTML §9.2.6, data lines only) across frame boundaries, each timed by the frame that completed it. */
export function sseEvents(frames: readonly RecordedFrame[]): { t: number; data: string }[] {
  const out: { t: number; data: string }[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  let data: string[] = [];
  for (const f of frames) {
    pending += decoder.decode(f.data, { stream: true });
    for (;;) {
      const nl = pending.search(/\r\n|\r|\n/);
      if (nl === -1) break;
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + (pending.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) out.push({ t: f.t, data: data.join('\n') });
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
  }
  return out;
}

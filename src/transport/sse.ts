// An incremental Server-Sent Events parser that re-emits each event after a transform of its
// data: used when a step must see every message of a stream (masking) without buffering the
// stream (WHATWG HTML "Server-sent events": lines end in LF, CR or CRLF; a blank line ends an event;
// lines starting with ':' are comments; fields are `event`, `data`, `id`, `retry`).

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly retry: string | undefined;
  readonly data: string;
}

const MAX_EVENT_BYTES = 64 * 1024 * 1024;

export class SseRewriter {
  #buffer = '';
  readonly #transform: (data: string) => string | undefined;

  /** `transform` returns the new data, or undefined to drop the event. */
  constructor(transform: (data: string) => string | undefined) {
    this.#transform = transform;
  }

  /** Feeds a chunk; returns the complete events it finished, rewritten, as text to send on. */
  push(chunk: string): string {
    this.#buffer += chunk;
    if (this.#buffer.length > MAX_EVENT_BYTES) throw new Error('SSE event too large');
    let out = '';
    for (;;) {
      const end = findEventEnd(this.#buffer);
      if (end === undefined) break;
      const block = this.#buffer.slice(0, end.at);
      this.#buffer = this.#buffer.slice(end.at + end.length);
      out += this.#rewrite(block);
    }
    return out;
  }

  /** Whatever is left at the end of the stream (an unterminated event is dispatched, per spec it is not; we drop it). */
  flush(): string {
    this.#buffer = '';
    return '';
  }

  #rewrite(block: string): string {
    const lines = block.split(/\r\n|\r|\n/);
    let id: string | undefined;
    let event: string | undefined;
    let retry: string | undefined;
    const data: string[] = [];
    let comments = '';
    for (const line of lines) {
      if (line.startsWith(':')) {
        comments += `${line}\n`;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'retry') retry = value;
    }
    let out = comments;
    if (data.length === 0) {
      // A priming event (id only) or a retry hint: passes as it was.
      if (id !== undefined || retry !== undefined || event !== undefined) {
        out += serializeEvent({ id, event, retry, data: '' }, false);
      }
      return out;
    }
    const rewritten = this.#transform(data.join('\n'));
    if (rewritten === undefined) return out;
    return out + serializeEvent({ id, event, retry, data: rewritten }, true);
  }
}

function findEventEnd(buf: string): { at: number; length: number } | undefined {
  // The earliest blank line: \n\n, \r\n\r\n or \r\r.
  let best: { at: number; length: number } | undefined;
  for (const sep of ['\n\n', '\r\n\r\n', '\r\r']) {
    const at = buf.indexOf(sep);
    if (at !== -1 && (best === undefined || at < best.at)) best = { at, length: sep.length };
  }
  return best;
}

export function serializeEvent(e: SseEvent, withData: boolean): string {
  let out = '';
  if (e.event !== undefined) out += `event: ${e.event}\n`;
  if (e.id !== undefined) out += `id: ${e.id}\n`;
  if (e.retry !== undefined) out += `retry: ${e.retry}\n`;
  if (withData) for (const line of e.data.split('\n')) out += `data: ${line}\n`;
  else out += 'data: \n';
  return `${out}\n`;
}

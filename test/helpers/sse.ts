import { type Dispatcher, request } from 'undici';

// Raw Streamable HTTP for what an SDK client hides: reading an SSE answer event by event,
// dropping the connection mid-stream, reconnecting with Last-Event-ID, and JSON-RPC batches.

export const ACCEPT_BOTH = 'application/json, text/event-stream';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface StreamingResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  /** The next event with data (priming events without data are skipped); undefined at the end. */
  next(timeoutMs?: number): Promise<SseEvent | undefined>;
  /** Every remaining event with data, until the server ends the stream. */
  rest(timeoutMs?: number): Promise<SseEvent[]>;
  /** The whole body as text (for non-SSE answers). */
  text(timeoutMs?: number): Promise<string>;
  /** Drops the connection, as a client that went away. */
  drop(): void;
}

/** Sends one request and returns as soon as the headers arrived, the body still streaming. */
export async function openStream(
  url: string,
  opts: { method?: 'GET' | 'POST' | 'DELETE'; headers?: Record<string, string>; body?: unknown } = {},
): Promise<StreamingResponse> {
  const method = opts.method ?? 'POST';
  const headers: Record<string, string> = { accept: ACCEPT_BOTH, ...opts.headers };
  if (method === 'POST') headers['content-type'] = 'application/json';
  const r = await request(url, {
    method,
    headers,
    body:
      opts.body === undefined ? null : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    headersTimeout: 10_000,
    bodyTimeout: 0,
  });
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  let failure: unknown;
  let raw = '';
  let buf = '';
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  void (async () => {
    try {
      for await (const chunk of r.body) {
        const s = (chunk as Buffer).toString('utf8');
        raw += s;
        buf += s;
        let sep = buf.search(/\r?\n\r?\n/);
        while (sep !== -1) {
          const block = buf.slice(0, sep);
          buf = buf.slice(sep + (buf[sep] === '\r' ? 4 : 2));
          const ev = parseEvent(block);
          if (ev.data !== '') events.push(ev);
          sep = buf.search(/\r?\n\r?\n/);
        }
        wake();
      }
    } catch (err) {
      failure = err;
    } finally {
      ended = true;
      wake();
    }
  })();

  const until = (ready: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (ready()) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs,
      );
      const check = (): void => {
        if (ready()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      waiters.push(check);
    });

  return {
    status: r.statusCode,
    headers: r.headers,
    async next(timeoutMs = 10_000) {
      await until(() => events.length > 0 || ended, timeoutMs, 'an SSE event');
      return events.shift();
    },
    async rest(timeoutMs = 10_000) {
      await until(() => ended, timeoutMs, 'the end of the SSE stream');
      if (failure !== undefined && !isAbort(failure)) throw failure;
      return events.splice(0);
    },
    async text(timeoutMs = 10_000) {
      await until(() => ended, timeoutMs, 'the end of the body');
      return raw;
    },
    drop() {
      r.body.destroy();
    },
  };
}

function isAbort(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_ABORTED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}

function parseEvent(block: string): SseEvent {
  const ev: SseEvent = { id: undefined, event: 'message', data: '' };
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === 0) continue; // a comment
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') ev.id = value;
    else if (field === 'event') ev.event = value;
    else if (field === 'data') data.push(value);
  }
  ev.data = data.join('\n');
  return ev;
}

export type RpcMessage = {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
};

/** The JSON-RPC messages of a whole answer, whether it came as JSON or as SSE. */
export async function messagesOf(r: StreamingResponse): Promise<RpcMessage[]> {
  if (String(r.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    return (await r.rest()).map((e) => JSON.parse(e.data) as RpcMessage);
  }
  const text = await r.text();
  if (text === '') return [];
  const json = JSON.parse(text) as RpcMessage | RpcMessage[];
  return Array.isArray(json) ? json : [json];
}

/** initialize + notifications/initialized over raw HTTP; returns the gateway's session id. */
export async function openRawSession(
  url: string,
  protocolVersion = '2025-11-25',
  capabilities: Record<string, unknown> = {},
): Promise<string> {
  const init = await openStream(url, {
    body: {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion, capabilities, clientInfo: { name: 'raw', version: '1' } },
    },
  });
  const sid = init.headers['mcp-session-id'];
  const answer = await messagesOf(init);
  if (init.status !== 200 || typeof sid !== 'string') {
    throw new Error(`initialize failed: ${init.status} ${JSON.stringify(answer)}`);
  }
  const headers: Record<string, string> = { 'mcp-session-id': sid };
  // MCP-Protocol-Version exists from 2025-06-18 on; a 2025-03-26 client does not send it.
  if (protocolVersion >= '2025-06-18') headers['mcp-protocol-version'] = protocolVersion;
  const done = await openStream(url, {
    headers,
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
  });
  await done.text();
  if (done.status !== 202) throw new Error(`notifications/initialized: ${done.status}`);
  return sid;
}

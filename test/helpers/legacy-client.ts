import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  type CreateMessageResult,
  ElicitRequestSchema,
  type ElicitResult,
  ListRootsRequestSchema,
  type Notification,
} from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../../src/gateway/server.ts';
import type { Session } from '../../src/session/index.ts';

// The official SDK v1 client (legacy era) connected through the gateway, answering sampling,
// elicitation and roots the way a host application would, and keeping every notification it
// receives so a test can wait for one.

export const ROOTS = [{ uri: 'file:///work/project', name: 'project' }];

export interface LegacyTestClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  /** The gateway's Mcp-Session-Id, as the client holds it. */
  readonly sessionId: string;
  readonly notifications: Notification[];
  /** Resolves with the first notification (seen so far or later) that matches. */
  notification(
    method: string,
    match?: (n: Notification) => boolean,
    timeoutMs?: number,
  ): Promise<Notification>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** How the host answers elicitation/create; by default it accepts with `{ answer: 'yes' }`. */
  elicit?: (params: Record<string, unknown>) => ElicitResult;
}

/**
 * Connects, then waits until the client's GET stream is open at the gateway: a legacy server can
 * only send requests and notifications unrelated to a client request on that stream, and the
 * SDK client opens it in the background after notifications/initialized.
 */
export async function connectLegacy(
  gw: Gateway,
  route: string,
  opts: ConnectOptions = {},
): Promise<LegacyTestClient> {
  const url = gw.routes.get(route);
  if (url === undefined) throw new Error(`no route ${route}`);
  const client = new Client(
    { name: 'custos-legacy-test', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  client.setRequestHandler(
    CreateMessageRequestSchema,
    async (): Promise<CreateMessageResult> => ({
      role: 'assistant',
      content: { type: 'text', text: '4' },
      model: 'test-model',
      stopReason: 'endTurn',
    }),
  );
  client.setRequestHandler(ElicitRequestSchema, async (req) =>
    opts.elicit
      ? opts.elicit(req.params as Record<string, unknown>)
      : { action: 'accept', content: { answer: 'yes' } },
  );
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: ROOTS }));
  const notifications: Notification[] = [];
  const waiters: (() => void)[] = [];
  client.fallbackNotificationHandler = async (n) => {
    notifications.push(n);
    for (const w of waiters.splice(0)) w();
  };
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const sessionId = transport.sessionId;
  if (sessionId === undefined) throw new Error('no session id after initialize');
  await waitFor(
    () => (gatewaySession(gw, route, sessionId)?.streams.size ?? 0) > 0,
    10_000,
    'the GET stream',
  );

  return {
    client,
    transport,
    sessionId,
    notifications,
    notification(method, match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${method}`)), timeoutMs);
        const check = (): void => {
          const n = notifications.find((x) => x.method === method && match(x));
          if (n) {
            clearTimeout(timer);
            resolve(n);
          } else waiters.push(check);
        };
        check();
      });
    },
    async close() {
      await client.close();
    },
  };
}

/** The gateway's session by id, or undefined once it is closed. */
export function gatewaySession(gw: Gateway, route: string, sessionId: string): Session | undefined {
  const s = gw.ctx.sessions.get(sessionId);
  return s?.server === route ? s : undefined;
}

/** Polls `cond` until it holds; fails after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Calls `fn` until it resolves, pausing between attempts; rethrows its last error after `timeoutMs`. */
export async function retry<T>(fn: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Rejects if `p` has not settled within `timeoutMs`. */
export function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Whether a process with this id still exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The text of a tool result's first content item. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  const first = content?.[0];
  if (first?.type !== 'text' || first.text === undefined)
    throw new Error(`no text content in ${JSON.stringify(result)}`);
  return first.text;
}

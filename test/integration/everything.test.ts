import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../../src/gateway/server.ts';
import { type EverythingHttp, everythingStdioConfig, startEverythingHttp } from '../helpers/everything.ts';
import { recorded } from '../helpers/exchanges.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import {
  connectLegacy,
  gatewaySession,
  ROOTS,
  textOf,
  waitFor,
  withTimeout,
} from '../helpers/legacy-client.ts';
import { messagesOf, openRawSession, openStream, type RpcMessage, type SseEvent } from '../helpers/sse.ts';

// npm's @modelcontextprotocol/server-everything (SDK v1, the legacy era) through the gateway with
// the official SDK v1 client: once as a stdio child the gateway spawns per session, once as its
// own Streamable HTTP server (with an event store, so its event ids pass through the gateway).

let http: EverythingHttp;
let gw: Gateway;

before(async () => {
  http = await startEverythingHttp();
  gw = await startTestGateway({ stdio: everythingStdioConfig(), http: { http: { url: http.url } } });
});

after(async () => {
  await gw.close();
  await http.close();
});

const T = { timeout: 30_000 };
const V = '2025-11-25';

function everythingSuite(route: 'stdio' | 'http'): void {
  const url = (): string => gw.routes.get(route) as string;

  test('tools/list and tools/call (echo, get-sum), recorded', T, async (t) => {
    const c = await connectLegacy(gw, route, { elicit: () => ({ action: 'decline' }) });
    t.after(() => c.close());
    const names = (await c.client.listTools()).tools.map((x) => x.name);
    for (const n of [
      'echo',
      'get-sum',
      'trigger-long-running-operation',
      'trigger-sampling-request',
      'get-roots-list',
    ]) {
      assert.ok(names.includes(n), n);
    }
    assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'hi' } })), 'Echo: hi');
    assert.match(textOf(await c.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } })), /\b5\b/);
    const rec = await recorded(gw, {
      server: route,
      method: 'tools/call',
      name: 'get-sum',
      sessionId: c.sessionId,
    });
    assert.equal(rec.outcome, 'ok');
    assert.equal(rec.httpStatus, 200);
    assert.equal(rec.protocolVersion, V);
  });

  test('resources/list, resources/read, resources/templates/list', T, async (t) => {
    const c = await connectLegacy(gw, route);
    t.after(() => c.close());
    const list = await c.client.listResources();
    assert.ok(list.resources.length > 0);
    const first = list.resources[0];
    assert.ok(first);
    const read = await c.client.readResource({ uri: first.uri });
    assert.equal(read.contents[0]?.uri, first.uri);
    const templates = (await c.client.listResourceTemplates()).resourceTemplates.map((x) => x.uriTemplate);
    assert.ok(templates.includes('demo://resource/dynamic/text/{resourceId}'), JSON.stringify(templates));
    const dyn = await c.client.readResource({ uri: 'demo://resource/dynamic/text/3' });
    assert.match(String((dyn.contents[0] as { text?: string }).text), /^Resource 3:/);
    await recorded(gw, {
      server: route,
      method: 'resources/read',
      name: 'demo://resource/dynamic/text/3',
      outcome: 'ok',
    });
  });

  test(
    'resources/subscribe + logging: a notifications/message, then notifications/resources/updated',
    T,
    async (t) => {
      const c = await connectLegacy(gw, route);
      t.after(() => c.close());
      const logs: string[] = [];
      c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(String(n.params.data));
      });
      await c.client.setLoggingLevel('debug');
      const uri = 'demo://resource/dynamic/text/1';
      await c.client.subscribeResource({ uri });
      // The server logs every subscription: a notifications/message (over HTTP, on the GET stream).
      await waitFor(
        () => logs.some((l) => l.includes('Received Subscribe Resource request')),
        10_000,
        'the log message',
      );
      await c.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      const n = await c.notification('notifications/resources/updated', (x) => x.params?.uri === uri);
      assert.deepEqual(n.params, { uri });
      await c.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      await recorded(gw, {
        server: route,
        method: 'logging/setLevel',
        outcome: 'ok',
        sessionId: c.sessionId,
      });
      await recorded(gw, { server: route, method: 'resources/subscribe', name: uri, sessionId: c.sessionId });
    },
  );

  test('prompts/list and prompts/get', T, async (t) => {
    const c = await connectLegacy(gw, route);
    t.after(() => c.close());
    const names = (await c.client.listPrompts()).prompts.map((p) => p.name);
    assert.ok(names.includes('simple-prompt') && names.includes('args-prompt'), JSON.stringify(names));
    const p = await c.client.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris' } });
    assert.deepEqual(p.messages, [
      { role: 'user', content: { type: 'text', text: "What's weather in Paris?" } },
    ]);
    await recorded(gw, { server: route, method: 'prompts/get', name: 'args-prompt', outcome: 'ok' });
  });

  test('sampling, elicitation and roots: the server asks, the client answers', T, async (t) => {
    const c = await connectLegacy(gw, route, {
      elicit: () => ({ action: 'accept', content: { name: 'Ada Lovelace' } }),
    });
    t.after(() => c.close());
    const sampled = textOf(
      await c.client.callTool({
        name: 'trigger-sampling-request',
        arguments: { prompt: '2+2?', maxTokens: 5 },
      }),
    );
    assert.match(sampled, /"model": "test-model"/);
    const elicited = await c.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    assert.match(JSON.stringify(elicited.content), /Ada Lovelace/);
    const roots = await c.client.callTool({ name: 'get-roots-list', arguments: {} });
    assert.match(JSON.stringify(roots.content), new RegExp(ROOTS[0]?.uri ?? 'none'));
  });

  test('progress notifications reach onprogress', T, async (t) => {
    const c = await connectLegacy(gw, route);
    t.after(() => c.close());
    const seen: number[] = [];
    const res = await c.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => seen.push(p.progress), timeout: 15_000 },
    );
    assert.match(textOf(res), /Long running operation completed/);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('cancelling a long call rejects it; later calls still work', T, async (t) => {
    const c = await connectLegacy(gw, route);
    t.after(() => c.close());
    const ac = new AbortController();
    let started: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      started = resolve;
    });
    const call = c.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
      undefined,
      { signal: ac.signal, onprogress: () => started(), timeout: 20_000 },
    );
    await withTimeout(reached, 10_000, 'the first progress notification');
    ac.abort(new Error('user gave up'));
    await assert.rejects(withTimeout(call, 5_000, 'the cancelled call to reject'), /user gave up/);
    assert.equal(
      textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'after' } })),
      'Echo: after',
    );
    await recorded(gw, {
      server: route,
      method: 'notifications/cancelled',
      httpStatus: 202,
      sessionId: c.sessionId,
    });
  });

  test('the GET stream carries a message the server sends outside any request', T, async (t) => {
    // Over stdio the server's roots/list (sent 350 ms after initialized) is not tied to any request,
    // so the gateway puts it on the GET stream; over HTTP a resource update is sent that way.
    const sid = await openRawSession(url(), V, route === 'stdio' ? { roots: {} } : {});
    const h = { 'mcp-session-id': sid, 'mcp-protocol-version': V };
    const get = await openStream(url(), { method: 'GET', headers: h });
    t.after(() => get.drop());
    assert.equal(get.status, 200);
    let want: (m: RpcMessage) => boolean;
    if (route === 'stdio') {
      want = (m) => m.method === 'roots/list' && m.id !== undefined;
    } else {
      const uri = 'demo://resource/dynamic/text/2';
      want = (m) => m.method === 'notifications/resources/updated' && m.params?.uri === uri;
      // The update is sent on the GET stream only if it is open upstream by then.
      await waitFor(() => (gatewaySession(gw, route, sid)?.streams.size ?? 0) > 0, 5_000, 'the GET stream');
      const sub = await openStream(url(), {
        headers: h,
        body: { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri } },
      });
      await messagesOf(sub);
      const toggle = await openStream(url(), {
        headers: h,
        body: {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'toggle-subscriber-updates', arguments: {} },
        },
      });
      const answer = await messagesOf(toggle);
      assert.ok(answer.some((m) => m.id === 2 && m.result));
    }
    let found: RpcMessage | undefined;
    while (!found) {
      const ev = await get.next(10_000);
      assert.ok(ev, 'the GET stream ended early');
      const m = JSON.parse(ev.data) as RpcMessage;
      if (want(m)) found = m;
    }
    const del = await openStream(url(), { method: 'DELETE', headers: h });
    await del.text();
  });

  test('Last-Event-ID: a dropped SSE answer resumes on GET', T, async () => {
    const sid = await openRawSession(url(), V);
    const h = { 'mcp-session-id': sid, 'mcp-protocol-version': V };
    const first = await openStream(url(), {
      headers: h,
      body: {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: {
          name: 'trigger-long-running-operation',
          arguments: { duration: 0.9, steps: 3 },
          _meta: { progressToken: 'p5' },
        },
      },
    });
    assert.equal(first.status, 200);
    // The first progress notification (over stdio, the server's list_changed notifications after
    // initialized may come first: see the legacy contract's list_changed test).
    let ev: SseEvent | undefined;
    while (ev === undefined) {
      const next = await first.next(10_000);
      assert.ok(next, 'the answer ended before any progress');
      if ((JSON.parse(next.data) as RpcMessage).method === 'notifications/progress') ev = next;
    }
    assert.ok(ev.id, 'the event has an id');
    // stdio: the gateway mints `<stream>-<seq>`; HTTP: the upstream's own ids (UUIDs) pass through.
    const idShape =
      route === 'stdio'
        ? /^[0-9a-z]+-\d+$/
        : /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    assert.match(ev.id, idShape);
    first.drop();
    const lastId = ev.id;

    const rest =
      route === 'stdio' ? await resumeOnce(url(), h, lastId) : await resumeUntilAnswered(url(), h, lastId, 5);
    for (const e of rest) assert.match(e.id ?? '', idShape);
    const msgs = rest.map((e) => JSON.parse(e.data) as RpcMessage);
    assert.deepEqual(
      msgs
        .filter((m) => m.method === 'notifications/progress' && m.params?.progressToken === 'p5')
        .map((m) => m.params?.progress),
      [2, 3],
    );
    assert.match(JSON.stringify(msgs.find((m) => m.id === 5)?.result), /Long running operation completed/);
    const del = await openStream(url(), { method: 'DELETE', headers: h });
    await del.text();
  });

  test('DELETE ends the session; its id then gets 404', T, async (t) => {
    const c = await connectLegacy(gw, route);
    t.after(() => c.close());
    await c.transport.terminateSession();
    await recorded(gw, { server: route, method: 'session/delete', sessionId: c.sessionId, httpStatus: 200 });
    const next = await openStream(url(), {
      headers: { 'mcp-session-id': c.sessionId, 'mcp-protocol-version': V },
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    assert.equal(next.status, 404);
    assert.equal((await messagesOf(next))[0]?.error?.code, -32001);
  });

  test('batches: answered under 2025-03-26, rejected with -32600 under 2025-06-18', T, async () => {
    const batch = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: 'one' } },
      },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 1, b: 1 } } },
    ];
    const old = await openRawSession(url(), '2025-03-26');
    const ok = await openStream(url(), { headers: { 'mcp-session-id': old }, body: batch });
    const answers = await messagesOf(ok);
    assert.equal(ok.status, 200, JSON.stringify(answers));
    assert.deepEqual(
      answers
        .filter((m) => m.method === undefined)
        .map((m) => m.id)
        .sort(),
      [1, 2],
    );
    assert.match(JSON.stringify(answers.find((m) => m.id === 1)?.result), /Echo: one/);
    await recorded(gw, {
      server: route,
      method: 'tools/call',
      name: 'get-sum',
      sessionId: old,
      outcome: 'ok',
    });

    const newer = await openRawSession(url(), '2025-06-18');
    const refused = await openStream(url(), {
      headers: { 'mcp-session-id': newer, 'mcp-protocol-version': '2025-06-18' },
      body: batch,
    });
    assert.equal(refused.status, 400);
    const [err] = await messagesOf(refused);
    assert.equal(err?.error?.code, -32600);
    assert.equal(err?.error?.data?.code, 'CUSTOS_BATCH_NOT_ALLOWED');
  });
}

/** One GET with Last-Event-ID; the gateway replays what was missed and ends with the answer. */
async function resumeOnce(url: string, h: Record<string, string>, lastId: string): Promise<SseEvent[]> {
  const g = await openStream(url, { method: 'GET', headers: { ...h, 'last-event-id': lastId } });
  assert.equal(g.status, 200);
  return g.rest(10_000);
}

/**
 * server-everything's event store returns the last event id where the SDK expects a stream id, so
 * events sent after a replay never reach the resumed stream: reconnect (bounded) until the replay
 * holds the answer. The gateway's part — forwarding Last-Event-ID and the upstream ids — is what counts.
 */
async function resumeUntilAnswered(
  url: string,
  h: Record<string, string>,
  lastId: string,
  id: number,
): Promise<SseEvent[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const g = await openStream(url, { method: 'GET', headers: { ...h, 'last-event-id': lastId } });
    assert.equal(g.status, 200);
    const events: SseEvent[] = [];
    for (;;) {
      const ev = await g.next(300).catch(() => undefined);
      if (!ev) break;
      events.push(ev);
    }
    g.drop();
    if (events.some((e) => (JSON.parse(e.data) as RpcMessage).id === id)) return events;
    if (Date.now() > deadline) throw new Error('the answer never came through a resumed stream');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('server-everything over stdio', () => everythingSuite('stdio'));
describe('server-everything over Streamable HTTP', () => everythingSuite('http'));

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../../src/gateway/server.ts';
import { recorded } from './exchanges.ts';
import { connectLegacy, gatewaySession, ROOTS, textOf, waitFor, withTimeout } from './legacy-client.ts';
import { ITEM_COUNT, PAGE_SIZE } from './legacy-rich-server.ts';
import { messagesOf, openRawSession, openStream } from './sse.ts';

// One contract for every legacy-era route that serves the rich legacy test server
// (legacy-rich-server.ts), whatever the transport behind it: an HTTP upstream answering SSE or
// JSON, or a stdio child for which the gateway itself plays the Streamable HTTP server.

export interface LegacyRoute {
  gw(): Gateway;
  readonly route: string;
  /** False when the upstream answers POSTs as JSON: notifications tied to a request are then lost upstream. */
  readonly streaming: boolean;
  /** Request ids of `wait` calls the upstream started and saw cancelled, when the test can observe it. */
  upstream?: { started(): readonly (string | number)[]; cancelled(): readonly (string | number)[] };
}

const T = { timeout: 30_000 };

export function legacyContract(r: LegacyRoute): void {
  const url = (): string => r.gw().routes.get(r.route) as string;

  test(`${r.route}: tools/list and tools/call, each exchange recorded`, T, async (t) => {
    const c = await connectLegacy(r.gw(), r.route);
    t.after(() => c.close());
    const tools = await c.client.listTools();
    for (const name of [
      'echo',
      'slow',
      'log',
      'ask_llm',
      'ask_user',
      'list_roots',
      'touch',
      'announce',
      'wait',
    ]) {
      assert.ok(
        tools.tools.some((x) => x.name === name),
        name,
      );
    }
    const res = await c.client.callTool({ name: 'echo', arguments: { message: 'grüße' } });
    assert.equal(textOf(res), 'grüße');
    const rec = await recorded(r.gw(), {
      server: r.route,
      method: 'tools/call',
      name: 'echo',
      sessionId: c.sessionId,
    });
    assert.equal(rec.httpStatus, 200);
    assert.equal(rec.outcome, 'ok');
    assert.equal(rec.era, 'legacy');
    assert.equal(rec.protocolVersion, '2025-11-25');
    await recorded(r.gw(), {
      server: r.route,
      method: 'initialize',
      sessionId: c.sessionId,
      httpStatus: 200,
    });
    await recorded(r.gw(), { server: r.route, method: 'tools/list', sessionId: c.sessionId, outcome: 'ok' });
    await recorded(r.gw(), { server: r.route, method: 'notifications/initialized', httpStatus: 202 });
  });

  test(
    `${r.route}: resources/list in pages by cursor, resources/read, resources/templates/list`,
    T,
    async (t) => {
      const c = await connectLegacy(r.gw(), r.route);
      t.after(() => c.close());
      const uris: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await c.client.listResources(cursor === undefined ? {} : { cursor });
        pages++;
        assert.ok(page.resources.length <= PAGE_SIZE);
        uris.push(...page.resources.map((x) => x.uri));
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages < 10);
      assert.equal(pages, Math.ceil((ITEM_COUNT + 1) / PAGE_SIZE));
      assert.equal(uris.length, ITEM_COUNT + 1);
      assert.equal(new Set(uris).size, uris.length);
      await assert.rejects(c.client.listResources({ cursor: 'bm90LWEtY3Vyc29y' }), /invalid cursor/);

      const greeting = await c.client.readResource({ uri: 'test://greeting' });
      assert.deepEqual(greeting.contents, [{ uri: 'test://greeting', text: 'hello' }]);
      const item = await c.client.readResource({ uri: 'test://items/7' });
      assert.deepEqual(item.contents, [{ uri: 'test://items/7', text: 'item 7' }]);
      const templates = await c.client.listResourceTemplates();
      assert.deepEqual(
        templates.resourceTemplates.map((x) => x.uriTemplate),
        ['test://items/{n}'],
      );
      await recorded(r.gw(), {
        server: r.route,
        method: 'resources/read',
        name: 'test://items/7',
        outcome: 'ok',
      });
    },
  );

  test(`${r.route}: resources/subscribe, then notifications/resources/updated arrives`, T, async (t) => {
    const c = await connectLegacy(r.gw(), r.route);
    t.after(() => c.close());
    await c.client.subscribeResource({ uri: 'test://greeting' });
    assert.equal(
      textOf(await c.client.callTool({ name: 'touch', arguments: { uri: 'test://greeting' } })),
      'touched',
    );
    const n = await c.notification('notifications/resources/updated');
    assert.deepEqual(n.params, { uri: 'test://greeting' });
    await c.client.unsubscribeResource({ uri: 'test://greeting' });
    assert.equal(
      textOf(await c.client.callTool({ name: 'touch', arguments: { uri: 'test://greeting' } })),
      'not subscribed',
    );
    await recorded(r.gw(), {
      server: r.route,
      method: 'resources/subscribe',
      name: 'test://greeting',
      outcome: 'ok',
    });
  });

  test(`${r.route}: prompts/list and prompts/get`, T, async (t) => {
    const c = await connectLegacy(r.gw(), r.route);
    t.after(() => c.close());
    const prompts = await c.client.listPrompts();
    assert.deepEqual(
      prompts.prompts.map((p) => p.name),
      ['hello'],
    );
    const p = await c.client.getPrompt({ name: 'hello', arguments: { name: 'Ada' } });
    assert.deepEqual(p.messages, [{ role: 'user', content: { type: 'text', text: 'Say hello to Ada' } }]);
    await recorded(r.gw(), { server: r.route, method: 'prompts/get', name: 'hello', outcome: 'ok' });
  });

  test(
    `${r.route}: sampling, elicitation and roots requests from the server are answered by the client`,
    T,
    async (t) => {
      const c = await connectLegacy(r.gw(), r.route);
      t.after(() => c.close());
      assert.equal(
        textOf(await c.client.callTool({ name: 'ask_llm', arguments: { prompt: '2+2?' } })),
        'llm said: 4',
      );
      assert.equal(
        textOf(await c.client.callTool({ name: 'ask_user', arguments: { question: 'ok?' } })),
        'user said: {"answer":"yes"} (accept)',
      );
      assert.equal(
        textOf(await c.client.callTool({ name: 'list_roots', arguments: {} })),
        ROOTS.map((x) => x.uri).join(','),
      );
      // The client's answers are POSTs of JSON-RPC responses: 202, recorded as such.
      await recorded(r.gw(), {
        server: r.route,
        method: 'response',
        sessionId: c.sessionId,
        httpStatus: 202,
      });
    },
  );

  test(`${r.route}: logging/setLevel, and a notifications/message reaches the client`, T, async (t) => {
    const c = await connectLegacy(r.gw(), r.route);
    t.after(() => c.close());
    await c.client.setLoggingLevel('debug');
    await recorded(r.gw(), {
      server: r.route,
      method: 'logging/setLevel',
      outcome: 'ok',
      sessionId: c.sessionId,
    });
    if (!r.streaming) return; // a JSON-answering upstream drops notifications tied to a request
    const messages: unknown[] = [];
    c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      messages.push(n.params.data);
    });
    assert.equal(
      textOf(await c.client.callTool({ name: 'log', arguments: { text: 'hello log' } })),
      'logged',
    );
    await waitFor(() => messages.includes('hello log'), 5_000, 'notifications/message');
  });

  // An upstream answering JSON drops progress notifications: nothing the gateway could forward.
  if (r.streaming) {
    test(`${r.route}: progress notifications reach onprogress`, T, async (t) => {
      const c = await connectLegacy(r.gw(), r.route);
      t.after(() => c.close());
      const seen: number[] = [];
      const res = await c.client.callTool({ name: 'slow', arguments: { ms: 60, steps: 3 } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
        timeout: 15_000,
      });
      assert.equal(textOf(res), 'done after 60 ms');
      assert.deepEqual(seen, [1, 2, 3]);
    });
  }

  test(`${r.route}: cancelling a call (AbortSignal) rejects it, and later calls still work`, T, async (t) => {
    const c = await connectLegacy(r.gw(), r.route);
    t.after(() => c.close());
    const up = r.upstream;
    const before = { started: up?.started().length ?? 0, cancelled: up?.cancelled().length ?? 0 };
    const ac = new AbortController();
    let started: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      started = resolve;
    });
    const call = c.client.callTool({ name: 'wait', arguments: { ms: 60_000 } }, undefined, {
      signal: ac.signal,
      onprogress: () => started(),
      timeout: 20_000,
    });
    // The call must have reached the server before it is cancelled: its first progress
    // notification says so, or (an upstream answering JSON sends none) the upstream itself.
    if (r.streaming) await withTimeout(reached, 10_000, 'the wait tool to start');
    else if (up) await waitFor(() => up.started().length > before.started, 10_000, 'the wait tool to start');
    ac.abort(new Error('user gave up'));
    await assert.rejects(withTimeout(call, 5_000, 'the cancelled call to reject'), /user gave up/);
    if (up)
      await waitFor(
        () => up.cancelled().length > before.cancelled,
        5_000,
        'the upstream to see notifications/cancelled',
      );
    await recorded(r.gw(), {
      server: r.route,
      method: 'notifications/cancelled',
      httpStatus: 202,
      sessionId: c.sessionId,
    });
    assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'after' } })), 'after');
    const again = await c.client.callTool({ name: 'wait', arguments: { ms: 1 } });
    assert.equal(textOf(again), 'waited 1 ms');
  });

  test(
    `${r.route}: the GET stream carries a notification the server sends outside any request`,
    T,
    async (t) => {
      const sid = await openRawSession(url());
      const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      const get = await openStream(url(), { method: 'GET', headers: h });
      t.after(() => get.drop());
      assert.equal(get.status, 200);
      assert.match(String(get.headers['content-type']), /^text\/event-stream/);
      await waitFor(
        () => (gatewaySession(r.gw(), r.route, sid)?.streams.size ?? 0) > 0,
        5_000,
        'the GET stream',
      );
      const sub = await openStream(url(), {
        headers: h,
        body: { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'test://items/3' } },
      });
      assert.deepEqual((await messagesOf(sub))[0]?.result, {});
      const touch = await openStream(url(), {
        headers: h,
        body: {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'touch', arguments: { uri: 'test://items/3' } },
        },
      });
      const answer = await messagesOf(touch);
      assert.equal(answer.length, 1, 'the POST answer carries only the response');
      const ev = await get.next(5_000);
      assert.ok(ev, 'an event on the GET stream');
      assert.deepEqual(JSON.parse(ev.data), {
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { uri: 'test://items/3' },
      });
      const del = await openStream(url(), { method: 'DELETE', headers: h });
      await del.text();
    },
  );

  test(
    `${r.route}: a list_changed sent during a call goes to the GET stream, not into the call's answer`,
    T,
    async (t) => {
      const sid = await openRawSession(url());
      const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      const get = await openStream(url(), { method: 'GET', headers: h });
      t.after(() => get.drop());
      await waitFor(
        () => (gatewaySession(r.gw(), r.route, sid)?.streams.size ?? 0) > 0,
        5_000,
        'the GET stream',
      );
      const call = await openStream(url(), {
        headers: h,
        body: { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'announce', arguments: {} } },
      });
      const answer = await messagesOf(call);
      assert.deepEqual(
        answer.map((m) => m.method ?? `response ${String(m.id)}`),
        ['response 3'],
        'only the response in the POST answer',
      );
      const ev = await get.next(5_000);
      assert.equal(
        ev && (JSON.parse(ev.data) as { method?: string }).method,
        'notifications/resources/list_changed',
      );
      const del = await openStream(url(), { method: 'DELETE', headers: h });
      await del.text();
    },
  );

  test(`${r.route}: DELETE ends the session; its id then gets 404`, T, async (t) => {
    const c = await connectLegacy(r.gw(), r.route);
    t.after(() => c.close());
    await c.transport.terminateSession();
    await recorded(r.gw(), {
      server: r.route,
      method: 'session/delete',
      sessionId: c.sessionId,
      httpStatus: 200,
    });
    assert.equal(gatewaySession(r.gw(), r.route, c.sessionId), undefined);
    const after = await openStream(url(), {
      headers: { 'mcp-session-id': c.sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: { jsonrpc: '2.0', id: 9, method: 'tools/list' },
    });
    assert.equal(after.status, 404);
    const [err] = await messagesOf(after);
    assert.equal(err?.error?.code, -32001);
    assert.equal(err?.id, 9);
  });

  test(`${r.route}: an unknown session id gets 404 on POST, GET and DELETE`, T, async () => {
    const h = {
      'mcp-session-id': 'f00dfeed-0000-4000-8000-000000000000',
      'mcp-protocol-version': '2025-11-25',
    };
    const post = await openStream(url(), {
      headers: h,
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    assert.equal(post.status, 404);
    assert.equal((await messagesOf(post))[0]?.error?.code, -32001);
    const get = await openStream(url(), { method: 'GET', headers: h });
    assert.equal(get.status, 404);
    await get.text();
    const del = await openStream(url(), { method: 'DELETE', headers: h });
    assert.equal(del.status, 404);
    await del.text();
    await recorded(r.gw(), {
      server: r.route,
      method: 'tools/list',
      httpStatus: 404,
      errorCode: 'CUSTOS_SESSION_NOT_FOUND',
    });
  });

  test(`${r.route}: a batch under 2025-03-26 is answered, one record per message`, T, async () => {
    const sid = await openRawSession(url(), '2025-03-26');
    const batch = [
      { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
      {
        jsonrpc: '2.0',
        id: 'b',
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: 'in a batch' } },
      },
      { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
    ];
    // First with the MCP-Protocol-Version header, then as a real 2025-03-26 client sends it:
    // without (the header came with 2025-06-18), the version being the one the session negotiated.
    for (const headers of [
      { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-03-26' },
      { 'mcp-session-id': sid },
    ]) {
      const res = await openStream(url(), { headers, body: batch });
      const messages = await messagesOf(res);
      assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${JSON.stringify(messages)}`);
      const byId = new Map(messages.map((m) => [m.id, m]));
      assert.ok(Array.isArray(byId.get('a')?.result?.tools));
      assert.deepEqual(byId.get('b')?.result?.content, [{ type: 'text', text: 'in a batch' }]);
      assert.equal(messages.length, 2);
      await recorded(r.gw(), { server: r.route, method: 'tools/call', name: 'echo', sessionId: sid });
      await recorded(r.gw(), { server: r.route, method: 'notifications/roots/list_changed', sessionId: sid });
    }
  });

  test(`${r.route}: a batch under 2025-06-18 is rejected with -32600`, T, async () => {
    const sid = await openRawSession(url(), '2025-06-18');
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'prompts/list' },
    ];
    for (const headers of [
      { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      { 'mcp-session-id': sid },
    ]) {
      const res = await openStream(url(), { headers, body: batch });
      const [err] = await messagesOf(res);
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.equal(err?.error?.code, -32600);
      assert.equal(err?.error?.data?.code, 'CUSTOS_BATCH_NOT_ALLOWED');
    }
    await recorded(r.gw(), {
      server: r.route,
      method: 'tools/list',
      sessionId: null,
      errorCode: 'CUSTOS_BATCH_NOT_ALLOWED',
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import type { InProcessSink } from '../../src/audit/sink.ts';
import type { Gateway } from '../../src/gateway/server.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { eventually } from '../helpers/handler-server.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { ACCEPT_BOTH, INIT, openSession, post } from '../helpers/raw.ts';

// The audit's group commit waits for the events of exchanges already forwarded (src/audit/sink.ts).
// Whatever becomes of an exchange — answered, refused by its upstream, abandoned by its client —
// it must stop being waited for; one that never did would hold every later commit up.

let up: RunningServer;
let gw: Gateway;
before(async () => {
  up = await startLegacyServer({ json: true });
  gw = await startTestGateway({
    t: { http: { url: up.url } },
    down: { http: { url: 'http://127.0.0.1:1/mcp' } },
  });
});
after(async () => {
  await gw.close();
  await up.close();
});

const V = { 'mcp-protocol-version': '2025-11-25' };
const call = (name: string, args: Record<string, unknown>, id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

test('every exchange forwarded stops being waited for: answered, failed upstream, or abandoned', async () => {
  const sink = gw.ctx.audit as InProcessSink;
  const url = gw.routes.get('t') as string;
  const sids = await Promise.all([openSession(url), openSession(url), openSession(url)]);

  // Answered, many at once: enough in flight that commits wait for one another.
  const answered = Array.from({ length: 24 }, (_, i) =>
    post(url, call('slow', { ms: 20 + (i % 5) * 10, steps: 1 }, i + 1), {
      ...V,
      'mcp-session-id': sids[i % sids.length] as string,
    }),
  );
  // Abandoned by the client while the upstream works on it.
  const abandoned = Array.from({ length: 3 }, async (_, i) => {
    const ac = new AbortController();
    const r = request(url, {
      method: 'POST',
      signal: ac.signal,
      headers: {
        'content-type': 'application/json',
        accept: ACCEPT_BOTH,
        ...V,
        'mcp-session-id': sids[i] as string,
      },
      body: JSON.stringify(call('slow', { ms: 600, steps: 1 }, 100 + i)),
    });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(r);
  });
  // Refused by an upstream that is not there.
  const downUrl = gw.routes.get('down') as string;
  const failed = post(downUrl, INIT);

  const results = await Promise.all(answered);
  for (const r of results) assert.equal(r.status, 200, r.text);
  await Promise.all(abandoned);
  const f = await failed;
  assert.equal(f.status, 502, f.text);

  await eventually(() => sink.expecting === 0, 5_000, 'nothing left to wait for');
  // And a lone call afterwards commits without waiting on anything.
  const lone = await post(url, call('slow', { ms: 1, steps: 1 }, 999), {
    ...V,
    'mcp-session-id': sids[0] as string,
  });
  assert.equal(lone.status, 200);
  assert.equal(sink.expecting, 0);
});

// `node --import tsx bench/approval-steps.ts`: what the approval-era steps cost a call that needs
// no approval — resume (tasks polls), pins (tool pins, Mcp-Param-* check) and approve — against an
// empty step measured in the same run (issue 5: "the approve step must cost nothing on calls that
// do not need approval"). Prints figures; asserts nothing (STYLE.md §14).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApprovals } from '../src/approval/index.ts';
import type { Exchange, GatewayContext } from '../src/core/exchange.ts';
import type { JsonRpcMessage } from '../src/core/jsonrpc.ts';
import { buildPins } from '../src/policy/pins.ts';
import { openSqliteStore } from '../src/store/index.ts';

const store = openSqliteStore({ path: ':memory:' });
const approvals = createApprovals({
  store,
  mask: async (_s, _t, v) => v,
  notify: () => {},
  link: (id) => id,
  progressIntervalMs: 10_000,
  adminGroups: [],
});
const pins = buildPins(store, new Map([['crm', 'flag']]));
// The upstream's tools are known (one with an x-mcp-header, as a 2026-07-28 server may have).
store.observeToolPin({
  server: 'crm',
  tool: 'search',
  fingerprint: 'sha256:a',
  headers: null,
  at: Date.now(),
});
store.observeToolPin({
  server: 'crm',
  tool: 'lookup',
  fingerprint: 'sha256:b',
  headers: JSON.stringify({ region: { path: ['region'], type: 'string' } }),
  at: Date.now(),
});
const pinsLoaded = buildPins(store, new Map([['crm', 'flag']]));

function exchange(msg: JsonRpcMessage, headers: Record<string, string>, era: 'legacy' | 'modern'): Exchange {
  return {
    era,
    httpMethod: 'POST',
    messages: [msg],
    req: { headers } as unknown as IncomingMessage,
    res: {} as ServerResponse,
    upstream: { name: 'crm' },
    identity: { subject: 'corp:alice' },
    ctx: {} as GatewayContext,
    approvalNeed: undefined,
    outbound: undefined,
  } as unknown as Exchange;
}

const legacyCall = exchange(
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'search', arguments: { q: 'x', limit: 10 } },
  },
  {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': 's',
    'mcp-protocol-version': '2025-11-25',
    authorization: 'Bearer x',
    host: '127.0.0.1',
  },
  'legacy',
);
const modernCall = exchange(
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'lookup', arguments: { region: 'eu-west1', q: 'x' } },
  },
  {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'lookup',
    'mcp-param-region': 'eu-west1',
    authorization: 'Bearer x',
    host: '127.0.0.1',
  },
  'modern',
);

type StepFn = (ex: Exchange) => unknown;
const empty: StepFn = () => undefined;

function measure(steps: readonly StepFn[], ex: Exchange, n = 200_000): number {
  for (let i = 0; i < 20_000; i++) for (const s of steps) s(ex);
  const samples: number[] = [];
  for (let b = 0; b < 10; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n / 10; i++) for (const s of steps) s(ex);
    samples.push(Number(process.hrtime.bigint() - t) / (n / 10));
  }
  samples.sort((a, b) => a - b);
  return samples[5] as number;
}

const resume: StepFn = (ex) => approvals.resume(ex);
const hold: StepFn = (ex) => approvals.hold(ex);
const pinCheck: StepFn = (ex) => pinsLoaded.check(ex);

process.stdout.write(`node ${process.version}; ns per call (median of 10 batches), no approval needed\n`);
for (const [name, ex] of [
  ['legacy tools/call', legacyCall],
  ['2026-07-28 tools/call with Mcp-Param-Region', modernCall],
] as const) {
  const base = measure([empty, empty, empty], ex);
  const steps = measure([resume, pinCheck, hold], ex);
  const approve = measure([hold], ex);
  process.stdout.write(
    `${name.padEnd(46)} baseline ${base.toFixed(0).padStart(4)}  resume+pins+approve ${steps.toFixed(0).padStart(5)}  approve alone ${approve.toFixed(0).padStart(4)}\n`,
  );
}
approvals.close();
pins.close();
pinsLoaded.close();
await store.close();

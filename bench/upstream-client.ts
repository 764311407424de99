// `node --import tsx bench/upstream-client.ts [seconds] [rounds]`: the gateway's upstream client
// (src/transport/http1-pool.ts) against undici's Pool, which it replaced, on the same small MCP
// POST to a bare node:http answerer in a child process. CPU per request of this process (the
// client side only), at 1 and 16 requests in flight, in rounds that alternate the two clients so
// the machine's drift hits both alike. Prints figures; asserts nothing (STYLE.md §14).

import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { Http1Pool } from '../src/transport/http1-pool.ts';
import { nearestRank } from './stats.ts';

if (process.argv[2] === '--answer') {
  // The child: answers every POST with a small JSON-RPC result, as an MCP server would.
  const answer = Buffer.from('{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
  // Ends with its parent, however the parent ends.
  process.on('disconnect', () => process.exit(0));
} else {
  const seconds = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 3);
  const child = fork(new URL(import.meta.url).pathname, ['--answer'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const origin = `http://127.0.0.1:${port}`;
  const body = Buffer.from(
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}',
  );
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': 'bench-session',
    'mcp-protocol-version': '2025-06-18',
  };
  const undici = new Pool(origin, { connections: 256, keepAliveTimeout: 30_000, bodyTimeout: 0 });
  const http1 = new Http1Pool(origin, { connections: 256, keepAliveMs: 30_000, headersTimeoutMs: 30_000 });

  type Client = 'http1-pool' | 'undici';
  const once: Record<Client, () => Promise<void>> = {
    'http1-pool': () =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        http1.dispatch(
          { method: 'POST', path: '/mcp', headers, body },
          {
            onHead() {},
            onData: (d) => chunks.push(d),
            onEnd: () => {
              Buffer.concat(chunks);
              resolve();
            },
            onError: reject,
          },
        );
      }),
    undici: () =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        undici.dispatch(
          { method: 'POST', path: '/mcp', headers, body },
          {
            onRequestStart() {},
            onResponseStart() {},
            onResponseData: (_c, d) => chunks.push(d),
            onResponseEnd: () => {
              Buffer.concat(chunks);
              resolve();
            },
            onResponseError: (_c, err) => reject(err),
          },
        );
      }),
  };

  /** Requests for `ms` with `inFlight` loops; CPU µs per request of this process. */
  async function measure(
    client: Client,
    inFlight: number,
    ms: number,
  ): Promise<{ perS: number; cpuUs: number }> {
    let n = 0;
    let stop = false;
    const loop = async (): Promise<void> => {
      while (!stop) {
        await once[client]();
        n++;
      }
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const loops = Array.from({ length: inFlight }, loop);
    await new Promise((r) => setTimeout(r, ms));
    stop = true;
    await Promise.all(loops);
    const cpu = process.cpuUsage(cpu0);
    return { perS: (n * 1000) / (performance.now() - t0), cpuUs: (cpu.user + cpu.system) / n };
  }

  const median = (xs: number[]): number =>
    nearestRank(
      [...xs].sort((a, b) => a - b),
      50,
    );

  console.log(`upstream client, ${rounds} alternating rounds of ${seconds} s each (node ${process.version})`);
  for (const inFlight of [1, 16]) {
    for (const c of ['http1-pool', 'undici'] as const) await measure(c, inFlight, 1000); // warm-up
    const cpu: Record<Client, number[]> = { 'http1-pool': [], undici: [] };
    const rate: Record<Client, number[]> = { 'http1-pool': [], undici: [] };
    for (let r = 0; r < rounds; r++) {
      for (const c of ['http1-pool', 'undici'] as const) {
        const m = await measure(c, inFlight, seconds * 1000);
        cpu[c].push(m.cpuUs);
        rate[c].push(m.perS);
      }
    }
    for (const c of ['http1-pool', 'undici'] as const) {
      console.log(
        `  ${String(inFlight).padStart(2)} in flight  ${c.padEnd(10)}  CPU ${median(cpu[c]).toFixed(1).padStart(5)} µs/request` +
          `  (rounds ${cpu[c].map((x) => x.toFixed(1)).join(', ')})  ${median(rate[c]).toFixed(0)} requests/s`,
      );
    }
  }
  await Promise.all([undici.close(), http1.close()]);
  child.kill();
}

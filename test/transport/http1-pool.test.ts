import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import fc from 'fast-check';
import {
  HeadersTimeoutError,
  type Http1Controller,
  Http1Pool,
  type Http1PoolOptions,
  type Http1Request,
  type ResponseHeaders,
  UpstreamProtocolError,
  UpstreamSocketError,
} from '../../src/transport/http1-pool.ts';

// The upstream pool against scripted servers on raw sockets: every framing an answer may have,
// every way an answer may be malformed, and what happens to the connection after each.

interface Received {
  head: string;
  body: string;
  socket: Socket;
  /** The connection's number, from 1, in the order the server accepted them. */
  conn: number;
}

type Respond = (r: Received) => void | Promise<void>;

interface Scripted {
  origin: string;
  /** Connections accepted so far. */
  readonly conns: number;
  /** Connections the client has closed so far. */
  readonly closedConns: number;
  server: Server;
}

const servers: Server[] = [];
const pools: Http1Pool[] = [];
after(() => {
  for (const p of pools) p.destroy();
  for (const s of servers) s.close();
});

/** Reads each request (head and Content-Length body) and lets `respond` write what it likes. */
function handleRequests(
  socket: Socket,
  conn: number,
  respond: Respond,
  state: { closedConns: number },
): void {
  let buf = Buffer.alloc(0);
  socket.on('close', () => state.closedConns++);
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.toString('latin1', 0, end);
      const m = /\r\ncontent-length: (\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (buf.length < end + 4 + len) return;
      const body = buf.toString('utf8', end + 4, end + 4 + len);
      buf = buf.subarray(end + 4 + len);
      void respond({ head, body, socket, conn });
    }
  });
}

async function scripted(respond: Respond): Promise<Scripted> {
  const state = { conns: 0, closedConns: 0 };
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    handleRequests(socket, ++state.conns, respond, state);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get conns() {
      return state.conns;
    },
    get closedConns() {
      return state.closedConns;
    },
    server,
  };
}

function pool(origin: string, opts: Partial<Http1PoolOptions> = {}): Http1Pool {
  const p = new Http1Pool(origin, { connections: 8, keepAliveMs: 30_000, headersTimeoutMs: 5_000, ...opts });
  pools.push(p);
  return p;
}

interface Outcome {
  status: number;
  headers: ResponseHeaders;
  body: string;
  chunks: number;
  error: Error | undefined;
  /** Every callback, in order: head, data, end, error. */
  calls: string[];
}

function send(
  p: Http1Pool,
  req: Partial<Http1Request> = {},
  onController?: (c: Http1Controller, calls: string[]) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const o: Outcome = { status: 0, headers: {}, body: '', chunks: 0, error: undefined, calls: [] };
    const parts: Buffer[] = [];
    const done = (): void => {
      o.body = Buffer.concat(parts).toString('utf8');
      // Resolve a little later so callbacks that should never come would be seen.
      setTimeout(() => resolve(o), 20);
    };
    const c = p.dispatch(
      { method: 'POST', path: '/mcp', headers: {}, body: Buffer.from('{"x":1}'), ...req },
      {
        onHead(status, headers) {
          o.calls.push('head');
          o.status = status;
          o.headers = headers;
        },
        onData(chunk) {
          o.calls.push('data');
          o.chunks++;
          parts.push(Buffer.from(chunk));
        },
        onEnd() {
          o.calls.push('end');
          done();
        },
        onError(err) {
          o.calls.push('error');
          o.error = err;
          done();
        },
      },
    );
    onController?.(c, o.calls);
  });
}

const ok = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a Content-Length answer; the request is framed by the pool; the connection is kept for the next', async () => {
  const seen: Received[] = [];
  const s = await scripted((r) => {
    seen.push(r);
    r.socket.write(
      ok(`{"n":${seen.length}}`, 'mcp-session-id: abc\r\nX-Twice: a\r\nx-twice:\tb \r\nx-empty:\r\n'),
    );
  });
  const p = pool(s.origin);
  const a = await send(p, { headers: { 'content-type': 'application/json', 'mcp-session-id': 's1' } });
  const b = await send(p, { method: 'DELETE', body: null, headers: { 'mcp-session-id': 's1' } });
  assert.deepEqual(a.calls, ['head', 'data', 'end']);
  assert.equal(a.status, 200);
  assert.equal(a.body, '{"n":1}');
  assert.equal(a.headers['mcp-session-id'], 'abc');
  assert.equal(a.headers['x-twice'], 'a, b');
  assert.equal(a.headers['x-empty'], '');
  assert.equal(Object.getPrototypeOf(a.headers), null);
  assert.equal(b.body, '{"n":2}');
  assert.equal(s.conns, 1, 'one connection for both');
  const [first, second] = seen as [Received, Received];
  assert.match(first.head, /^POST \/mcp HTTP\/1\.1\r\n/);
  assert.match(first.head, /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
  assert.match(first.head, /\r\ncontent-length: 7(\r\n|$)/);
  assert.match(first.head, /\r\nmcp-session-id: s1(\r\n|$)/);
  assert.equal(first.body, '{"x":1}');
  assert.match(second.head, /^DELETE \/mcp HTTP\/1\.1\r\n/);
  assert.doesNotMatch(second.head, /content-length/i);
});

test('a chunked answer in pieces of every size, with extensions and trailers; the connection is kept', async () => {
  const body = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
  const s = await scripted(async (r) => {
    const pieces = [body.slice(0, 1), body.slice(1, 700), body.slice(700)];
    let wire = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\n';
    wire += `${pieces[0]?.length.toString(16)};name=value\r\n${pieces[0]}\r\n`;
    wire += `${pieces[1]?.length.toString(16).toUpperCase()}\r\n${pieces[1]}\r\n`;
    wire += `${pieces[2]?.length.toString(16)} ; ext\r\n${pieces[2]}\r\n`;
    wire += '0\r\nx-trailer: 1\r\n\r\n';
    // Byte by byte for the first connection's answer, in 64-byte slices for the next.
    const step = r.conn === 1 && !r.head.includes('second') ? 1 : 64;
    for (let i = 0; i < wire.length; i += step) {
      r.socket.write(wire.slice(i, i + step));
      if (i % 256 === 0) await delay(1);
    }
  });
  const p = pool(s.origin);
  const a = await send(p);
  assert.equal(a.error, undefined);
  assert.equal(a.body, body);
  assert.ok(a.chunks >= 3);
  assert.equal(a.calls.at(-1), 'end');
  const b = await send(p, { headers: { 'x-which': 'second' } });
  assert.equal(b.body, body);
  assert.equal(s.conns, 1);
});

test('an answer without framing runs to the connection close; the connection is not reused', async () => {
  const s = await scripted((r) => {
    r.socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end');
  });
  const p = pool(s.origin);
  const a = await send(p);
  assert.deepEqual(a.calls, ['head', 'data', 'end']);
  assert.equal(a.body, 'until the end');
  const b = await send(p);
  assert.equal(b.body, 'until the end');
  assert.equal(s.conns, 2);
});

test('204 and Content-Length 0 have no body; Connection: close and HTTP/1.0 end the connection', async () => {
  const answers = [
    'HTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
    'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok',
    'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
  ];
  let n = 0;
  const s = await scripted((r) => {
    r.socket.write(answers[n++] as string);
  });
  const p = pool(s.origin);
  const statuses: number[] = [];
  for (let i = 0; i < answers.length; i++) {
    const o = await send(p);
    assert.equal(o.error, undefined);
    assert.equal(o.calls.at(-1), 'end');
    statuses.push(o.status);
  }
  assert.deepEqual(statuses, [204, 202, 202, 200, 200]);
  // 204 and 202 kept the first connection; "close" and HTTP/1.0 each ended theirs.
  assert.equal(s.conns, 3);
});

test('interim 1xx answers are skipped; the final answer is what the handler sees', async () => {
  const s = await scripted((r) => {
    r.socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${ok('{}')}`);
  });
  const o = await send(pool(s.origin));
  assert.equal(o.status, 200);
  assert.equal(o.body, '{}');
  assert.deepEqual(o.calls, ['head', 'data', 'end']);
});

const malformed: [string, string][] = [
  ['no status line', 'HTTP/2 200 OK\r\ncontent-length: 0\r\n\r\n'],
  ['a status of two digits', 'HTTP/1.1 20 OK\r\ncontent-length: 0\r\n\r\n'],
  [
    'both Transfer-Encoding and Content-Length',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n0\r\n\r\n',
  ],
  [
    'Content-Length headers that disagree',
    'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd',
  ],
  ['a negative Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'],
  [
    'a Transfer-Encoding other than chunked',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  ],
  ['a space before the colon', 'HTTP/1.1 200 OK\r\ncontent-length : 0\r\n\r\n'],
  ['a folded header', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n  2\r\ncontent-length: 0\r\n\r\n'],
  ['a lone LF inside a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\n2\r\ncontent-length: 0\r\n\r\n'],
  ['a NUL in a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\x002\r\ncontent-length: 0\r\n\r\n'],
  ['a control character in a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\x1b[2J\r\ncontent-length: 0\r\n\r\n'],
  ['a lone CR inside a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\r2\r\ncontent-length: 0\r\n\r\n'],
  ['a header line without a colon', 'HTTP/1.1 200 OK\r\nx-a 1\r\ncontent-length: 0\r\n\r\n'],
  ['a header with an empty name', 'HTTP/1.1 200 OK\r\n: 1\r\ncontent-length: 0\r\n\r\n'],
  [
    'a chunk size that is not hex',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
  ],
  [
    'a chunk longer than its size',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
  ],
  [
    'a chunk line ended by LF alone',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n',
  ],
  [
    'a switch of protocols nobody asked for',
    'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n',
  ],
  ['a head over the limit', `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(2000)}\r\ncontent-length: 0\r\n\r\n`],
  [
    'a chunk line over the limit',
    `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2;${'e'.repeat(5000)}\r\nab\r\n0\r\n\r\n`,
  ],
];

for (const [what, wire] of malformed) {
  test(`an answer with ${what} is an UpstreamProtocolError and its connection is closed`, async () => {
    let n = 0;
    const s = await scripted((r) => {
      r.socket.write(n++ === 0 ? wire : ok('{"fine":true}'));
    });
    const p = pool(s.origin, { maxHeadBytes: 1024 });
    const o = await send(p);
    assert.ok(o.error instanceof UpstreamProtocolError, `${what}: ${o.error}`);
    assert.equal(o.calls.at(-1), 'error');
    assert.equal(o.calls.filter((c) => c === 'error' || c === 'end').length, 1);
    // The next request has a fresh connection and a good answer.
    const next = await send(p);
    assert.equal(next.body, '{"fine":true}');
    assert.equal(s.conns, 2);
    assert.equal(s.closedConns >= 1, true);
  });
}

test('bytes after a complete answer: the answer is delivered, the connection is not reused', async () => {
  const s = await scripted((r) => {
    r.socket.write(`${ok('{}')}HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nspare`);
  });
  const p = pool(s.origin);
  const a = await send(p);
  assert.deepEqual(a.calls, ['head', 'data', 'end']);
  assert.equal(a.body, '{}');
  const b = await send(p);
  assert.equal(b.body, '{}');
  assert.equal(s.conns, 2);
});

test('bytes on an idle connection close it; the next request takes a fresh one', async () => {
  const s = await scripted(async (r) => {
    r.socket.write(ok('{}'));
    if (r.conn === 1) {
      await delay(20);
      r.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    }
  });
  const p = pool(s.origin);
  await send(p);
  await delay(60);
  assert.equal(s.closedConns, 1);
  const b = await send(p);
  assert.equal(b.body, '{}');
  assert.equal(s.conns, 2);
});

test('no head within the timeout is a HeadersTimeoutError; the connection is closed', async () => {
  const s = await scripted(() => {});
  const p = pool(s.origin, { headersTimeoutMs: 100 });
  const o = await send(p);
  assert.ok(o.error instanceof HeadersTimeoutError);
  assert.deepEqual(o.calls, ['error']);
  await delay(20);
  assert.equal(s.closedConns, 1);
});

test('a body that is slow is not timed out: only the head has a deadline', async () => {
  const s = await scripted(async (r) => {
    r.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab');
    await delay(500);
    r.socket.write('cd');
  });
  const o = await send(pool(s.origin, { headersTimeoutMs: 100 }));
  assert.equal(o.error, undefined);
  assert.equal(o.body, 'abcd');
});

test('an upstream that closes without answering, or breaks off its answer, or is not there', async () => {
  const s = await scripted((r) => {
    if (r.body.includes('broken')) r.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
    else r.socket.destroy();
  });
  const p = pool(s.origin);
  const silent = await send(p);
  assert.ok(silent.error instanceof UpstreamSocketError);
  assert.deepEqual(silent.calls, ['error']);
  const broken = await send(p, { body: Buffer.from('broken') });
  assert.ok(broken.error instanceof UpstreamSocketError);
  assert.match(broken.error.message, /broke off/);
  assert.deepEqual(broken.calls, ['head', 'data', 'error']);

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const absent = await send(pool(`http://127.0.0.1:${port}`));
  assert.ok(absent.error instanceof UpstreamSocketError);
  assert.match(absent.error.message, /ECONNREFUSED/);
});

test('abort during the body: onError gets the reason, nothing else comes, the connection is closed', async () => {
  const s = await scripted(async (r) => {
    r.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n');
    await delay(100);
    r.socket.write('3\r\ndef\r\n0\r\n\r\n');
  });
  const p = pool(s.origin);
  const reason = new Error('client went away');
  const o = await send(p, {}, (c, calls) => {
    const poll = setInterval(() => {
      if (calls.includes('data')) {
        clearInterval(poll);
        c.abort(reason);
        c.abort(new Error('twice'));
      }
    }, 5);
  });
  await delay(150);
  assert.equal(o.error, reason);
  assert.deepEqual(o.calls, ['head', 'data', 'error']);
  assert.equal(s.closedConns, 1);
  assert.equal(p.size, 0);
});

test('abort before the request left the queue: it never reaches the upstream', async () => {
  const seen: string[] = [];
  const s = await scripted(async (r) => {
    seen.push(r.body);
    await delay(50);
    r.socket.write(ok('{}'));
  });
  const p = pool(s.origin, { connections: 1 });
  const first = send(p, { body: Buffer.from('first') });
  const second = send(p, { body: Buffer.from('second') }, (c) => c.abort(new Error('cancelled')));
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.body, '{}');
  assert.equal(b.error?.message, 'cancelled');
  assert.deepEqual(seen, ['first']);
});

test('more requests than connections wait their turn, in order, and all are answered', async () => {
  const order: string[] = [];
  const s = await scripted(async (r) => {
    order.push(r.body);
    await delay(5);
    r.socket.write(ok(JSON.stringify({ echo: r.body })));
  });
  const p = pool(s.origin, { connections: 2 });
  const bodies = ['a', 'b', 'c', 'd', 'e', 'f'];
  const all = await Promise.all(bodies.map((b) => send(p, { body: Buffer.from(b) })));
  assert.deepEqual(
    all.map((o) => JSON.parse(o.body).echo),
    bodies,
  );
  assert.deepEqual(order, bodies);
  assert.equal(s.conns, 2);
});

test('pause holds the answer back, resume lets the rest in', async () => {
  const big = 'x'.repeat(512 * 1024);
  const s = await scripted((r) => {
    r.socket.write(ok(big));
  });
  const p = pool(s.origin);
  let pausedAt = -1;
  const o = await send(p, {}, (c, calls) => {
    const poll = setInterval(() => {
      if (calls.includes('data')) {
        clearInterval(poll);
        c.pause();
        pausedAt = calls.length;
        setTimeout(() => {
          // Nothing more was read while paused (beyond what the socket had already handed over).
          assert.ok(calls.length <= pausedAt + 1, `${calls.length - pausedAt} reads while paused`);
          c.resume();
        }, 100);
      }
    }, 1);
  });
  assert.equal(o.error, undefined);
  assert.equal(o.body.length, big.length);
  // The connection was resumed before it went back to the pool.
  assert.equal((await send(p)).body, big);
});

test('a header with a control character, or one the pool frames itself, cannot be sent', async () => {
  const s = await scripted((r) => {
    r.socket.write(ok('{}'));
  });
  const p = pool(s.origin);
  const noop = { onHead() {}, onData() {}, onEnd() {}, onError() {} };
  const req = { method: 'POST', path: '/mcp', body: null } as const;
  assert.throws(
    () => p.dispatch({ ...req, headers: { authorization: 'Bearer a\r\nx-evil: 1' } }, noop),
    TypeError,
  );
  assert.throws(() => p.dispatch({ ...req, headers: { 'x-a': 'nul\0' } }, noop), TypeError);
  assert.throws(() => p.dispatch({ ...req, headers: { 'Content-Length': '1' } }, noop), TypeError);
  assert.throws(() => p.dispatch({ ...req, headers: { 'transfer-encoding': 'chunked' } }, noop), TypeError);
  assert.throws(() => p.dispatch({ ...req, headers: { 'bad name': 'x' } }, noop), TypeError);
  assert.equal(s.conns, 0);
  assert.equal((await send(p)).body, '{}');
});

test("the upstream's Keep-Alive hint and the pool's own idle limit close idle connections", async () => {
  const s = await scripted((r) => {
    r.socket.write(ok('{}', r.body.includes('short') ? 'keep-alive: timeout=1\r\n' : ''));
  });
  // A hint of one second leaves no time to reuse the connection safely.
  const p = pool(s.origin);
  await send(p, { body: Buffer.from('short') });
  await send(p, { body: Buffer.from('short') });
  assert.equal(s.conns, 2);
  assert.equal(p.size, 0);
  // The pool's own limit: idle past keepAliveMs, closed at the next tick.
  const q = pool(s.origin, { keepAliveMs: 100 });
  await send(q);
  assert.equal(q.size, 1);
  await delay(450);
  assert.equal(q.size, 0);
});

test('an idle connection the upstream closes is dropped, and the next request takes a fresh one', async () => {
  const s = await scripted((r) => {
    r.socket.write(ok('{}'));
    if (r.conn === 1) setTimeout(() => r.socket.end(), 10);
  });
  const p = pool(s.origin);
  await send(p);
  await delay(60);
  assert.equal(p.size, 0);
  const o = await send(p);
  assert.equal(o.error, undefined);
  assert.equal(s.conns, 2);
});

test('close() waits for requests in flight, closes idle connections and refuses new requests', async () => {
  const s = await scripted(async (r) => {
    await delay(r.body.includes('slow') ? 100 : 0);
    r.socket.write(ok(r.body));
  });
  const p = pool(s.origin);
  // Two connections: one stays busy with the slow request, the other goes idle.
  const slow = send(p, { body: Buffer.from('slow') });
  await send(p, { body: Buffer.from('fast') });
  assert.equal(s.conns, 2);
  let closed = false;
  const closing = p.close().then(() => {
    closed = true;
  });
  await delay(20);
  assert.equal(closed, false);
  assert.equal(s.closedConns, 1, 'the idle connection is closed at once');
  const refused = await send(p);
  assert.ok(refused.error instanceof UpstreamSocketError);
  assert.equal((await slow).body, 'slow');
  await closing;
  assert.equal(p.size, 0);
  await delay(20);
  assert.equal(s.closedConns, 2);
  assert.equal(s.conns, 2);
});

test('an https: origin: TLS with certificate checks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A throwaway self-signed certificate for 127.0.0.1, made for this test.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  const state = { closedConns: 0 };
  let conns = 0;
  const server = createTlsServer({ key, cert }, (socket) => {
    handleRequests(
      socket as unknown as Socket,
      ++conns,
      (r) => void r.socket.write(ok('{"tls":true}')),
      state,
    );
  });
  servers.push(server as unknown as Server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Not trusted: the connection fails before any request is sent.
  const untrusted = await send(pool(origin));
  assert.ok(untrusted.error instanceof UpstreamSocketError);
  assert.match(String((untrusted.error.cause as Error | undefined)?.message), /self.signed/i);

  // Trusted: the pool is given the certificate as its CA.
  const trusted = new Http1Pool(origin, {
    connections: 2,
    keepAliveMs: 30_000,
    headersTimeoutMs: 5_000,
    tls: { ca: cert },
  });
  pools.push(trusted);
  const a = await send(trusted);
  const b = await send(trusted);
  assert.equal(a.body, '{"tls":true}');
  assert.equal(b.body, '{"tls":true}');
  assert.equal(conns, 1, 'one connection, kept for both (the untrusted one never completed its handshake)');
});

test('property: whatever bytes the upstream sends, one end or one error, in order, and the process stays up', async () => {
  // Each request's answer is the next generated byte string, then the server closes the connection.
  const answers: Buffer[] = [];
  const s = await scripted((r) => {
    r.socket.end(answers.shift() ?? Buffer.alloc(0));
  });
  const p = pool(s.origin, { maxHeadBytes: 512, headersTimeoutMs: 2_000 });
  const token = fc.stringMatching(/^[A-Za-z-]{1,12}$/);
  const line = fc.oneof(
    fc.tuple(token, fc.string({ maxLength: 20 })).map(([n, v]) => `${n}: ${v}`),
    fc.constantFrom(
      'content-length: 3',
      'content-length: 0',
      'transfer-encoding: chunked',
      'connection: close',
    ),
    fc.string({ maxLength: 30 }),
  );
  const chunked = fc
    .array(fc.string({ maxLength: 12 }), { maxLength: 4 })
    .map(
      (parts) => `${parts.map((x) => `${Buffer.byteLength(x).toString(16)}\r\n${x}\r\n`).join('')}0\r\n\r\n`,
    );
  const answer = fc.oneof(
    // Arbitrary bytes.
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    // Something that starts like an answer, with arbitrary header lines and body.
    fc
      .tuple(
        fc.constantFrom(
          'HTTP/1.1 200 OK',
          'HTTP/1.1 204 No Content',
          'HTTP/1.0 200 OK',
          'HTTP/1.1 100 Continue',
        ),
        fc.array(line, { maxLength: 6 }),
        fc.oneof(fc.string({ maxLength: 40 }), chunked),
      )
      .map(([status, lines, body]) =>
        Buffer.from(`${status}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n${body}`),
      ),
  );
  await fc.assert(
    fc.asyncProperty(answer, async (bytes) => {
      answers.push(bytes);
      const o = await send(p);
      const ends = o.calls.filter((c) => c === 'end' || c === 'error');
      assert.equal(ends.length, 1, `one end or error, got ${o.calls.join(',')}`);
      assert.equal(o.calls.at(-1), ends[0]);
      assert.ok(o.calls.indexOf('head') <= 0, 'head comes first, once');
      assert.ok(!o.calls.includes('data') || o.calls[0] === 'head', 'no data before the head');
      if (o.error)
        assert.ok(o.error instanceof UpstreamProtocolError || o.error instanceof UpstreamSocketError);
    }),
    { numRuns: 150 },
  );
});

test('node:tls is not loaded with the pool: an https: connection loads it (the TLS test above)', () => {
  // ~4 ms of a cold start whose upstreams are all http: (src/transport/http1-pool.ts).
  const script = `
    const { Http1Pool } = await import(${JSON.stringify(new URL('../../src/transport/http1-pool.ts', import.meta.url).href)});
    new Http1Pool('http://127.0.0.1:1', { connections: 1, keepAliveMs: 1000, headersTimeoutMs: 1000 });
    process.stdout.write(String(process.moduleLoadList.includes('NativeModule tls')));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(out, 'false');
});

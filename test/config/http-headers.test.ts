import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';

// An HTTP upstream's static headers go on the wire as written: the schema refuses what would
// break the request's framing.

const withHeaders = (headers: Record<string, string>): unknown => ({
  auth: { mode: 'none' },
  servers: { crm: { http: { url: 'http://127.0.0.1:9/mcp', headers } } },
});

test('static upstream headers: a value with CR, LF or NUL is refused, naming the path', () => {
  for (const value of ['a\r\nx-evil: 1', 'a\nb', 'a\0b']) {
    assert.throws(() => parseConfig(withHeaders({ 'x-api-key': value }), 'custos.yaml'), {
      name: 'ConfigError',
      message: /custos\.yaml.*servers\.crm\.http\.headers\.x-api-key.*without CR, LF or NUL/s,
    });
  }
});

test('static upstream headers: the ones the gateway frames itself are refused', () => {
  for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'connection']) {
    assert.throws(() => parseConfig(withHeaders({ [name]: 'x' })), {
      name: 'ConfigError',
      message: /does not set itself/,
    });
  }
});

test('static upstream headers: an ordinary header is kept as written', () => {
  const cfg = parseConfig(withHeaders({ 'X-Api-Key': 'fake-key-for-tests' }));
  const server = cfg.servers.crm;
  assert.deepEqual(server?.http?.headers, { 'X-Api-Key': 'fake-key-for-tests' });
});

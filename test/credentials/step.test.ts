import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';
import type { Exchange } from '../../src/core/exchange.ts';
import {
  attachCredential,
  buildServerCredentials,
  type ServerCredential,
} from '../../src/credentials/index.ts';

// The step is a function of the exchange; until the gateway wires it in, the tests hand it the
// few fields it reads (ctx.credentials, upstream name and kind, identity, token). The sources
// behind it are real (files in a temp dir, the process environment).

const SECRET = 'fake-secret-DO-NOT-USE-1234';
const dir = mkdtempSync(join(tmpdir(), 'custos-step-'));
const secretFile = join(dir, 'crm-token');
writeFileSync(secretFile, `${SECRET}\n`);

function exchangeFor(
  credentials: ReadonlyMap<string, ServerCredential>,
  name: string,
  kind: 'http' | 'stdio',
) {
  return {
    ctx: { credentials },
    upstream: { name, kind },
    identity: undefined,
    token: undefined,
    upstreamHeaders: undefined,
    upstreamEnv: undefined,
  } as unknown as Exchange;
}

function config() {
  process.env.CUSTOS_TEST_TOOL_KEY = 'stdio-secret';
  return parseConfig({
    auth: { mode: 'none' },
    servers: {
      crm: { http: { url: 'http://127.0.0.1:1/mcp' }, credentials: { file: secretFile } },
      wiki: {
        http: { url: 'http://127.0.0.1:1/mcp' },
        credentials: { file: secretFile, header: 'X-Api-Key', prefix: '' },
      },
      tool: { stdio: { command: 'x' }, credentials: { env: 'CUSTOS_TEST_TOOL_KEY', envVar: 'TOOL_API_KEY' } },
      open: { http: { url: 'http://127.0.0.1:1/mcp' } },
    },
  });
}

test('HTTP upstreams get the header with its prefix; stdio upstreams the environment variable', () => {
  const creds = buildServerCredentials(config(), { log: () => {} });
  try {
    assert.deepEqual([...creds.keys()].sort(), ['crm', 'tool', 'wiki']);
    const crm = exchangeFor(creds, 'crm', 'http');
    assert.equal(attachCredential(crm), undefined, 'synchronous for a file secret');
    assert.deepEqual(crm.upstreamHeaders, { authorization: `Bearer ${SECRET}` });
    assert.equal(crm.upstreamEnv, undefined);

    const wiki = exchangeFor(creds, 'wiki', 'http');
    attachCredential(wiki);
    assert.deepEqual(
      wiki.upstreamHeaders,
      { 'x-api-key': SECRET },
      'header names lowercased, as the transport keys them',
    );

    const tool = exchangeFor(creds, 'tool', 'stdio');
    attachCredential(tool);
    assert.deepEqual(tool.upstreamEnv, { TOOL_API_KEY: 'stdio-secret' });
    assert.equal(tool.upstreamHeaders, undefined);

    const open = exchangeFor(creds, 'open', 'http');
    attachCredential(open);
    assert.equal(open.upstreamHeaders, undefined, 'a server without credentials gets nothing');
    const noContext = exchangeFor(undefined as unknown as Map<string, ServerCredential>, 'crm', 'http');
    attachCredential(noContext);
    assert.equal(noContext.upstreamHeaders, undefined);
  } finally {
    for (const c of creds.values()) c.close();
  }
});

test('the step throws the typed error when the secret is unavailable, without the secret in it', () => {
  const missing = join(dir, 'not-there');
  const creds = buildServerCredentials(
    parseConfig({
      auth: { mode: 'none' },
      servers: { crm: { http: { url: 'http://127.0.0.1:1/mcp' }, credentials: { file: missing } } },
    }),
    { log: () => {} },
  );
  try {
    const ex = exchangeFor(creds, 'crm', 'http');
    assert.throws(() => attachCredential(ex), { code: 'CUSTOS_UPSTREAM_CREDENTIAL', http: 502 });
    assert.equal(ex.upstreamHeaders, undefined);
  } finally {
    for (const c of creds.values()) c.close();
  }
});

test('token exchange is refused for stdio servers at boot (a shared, fixed environment)', () => {
  const cfg = parseConfig({
    auth: { mode: 'none' },
    servers: {
      tool: {
        stdio: { command: 'x' },
        credentials: { tokenExchange: { tokenEndpoint: 'http://127.0.0.1:1/t', clientId: 'c' }, envVar: 'K' },
      },
    },
  });
  assert.throws(() => buildServerCredentials(cfg, { log: () => {} }), {
    name: 'ConfigError',
    message: /servers\.tool\.credentials\.tokenExchange: only for http servers/,
  });
});

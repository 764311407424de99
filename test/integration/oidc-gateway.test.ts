import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { parseConfig } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { type RunningServer, startLegacyServer } from '../helpers/legacy-server.ts';
import { type RunningModernServer, startModernServer } from '../helpers/modern-server.ts';

// A real OpenID provider (oidc-provider) in front of the gateway, the official SDK clients of both
// eras behind it, and per-user upstream credentials obtained by RFC 8693 token exchange with the
// upstream's own authorization server.

const CLIENT_SECRET = 'fake-client-secret-for-tests-0123456789';
let idpServer: Server;
let issuer: string;
let provider: Provider;
let as: Server;
const asRequests: URLSearchParams[] = [];
let legacy: RunningServer;
let modern: RunningModernServer;
let gw: Gateway;

before(async () => {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  idpServer = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((r) => idpServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;

  // The upstream's authorization server: exchanges the caller's token for an upstream token.
  as = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      asRequests.push(form);
      const basic = `Basic ${Buffer.from(`crm-gateway:${CLIENT_SECRET}`).toString('base64')}`;
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      const subject = form.get('subject_token') ?? '';
      const upstreamToken = `upstream-${createHash('sha256').update(subject).digest('hex').slice(0, 16)}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          access_token: upstreamToken,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 300,
        }),
      );
    });
  });
  await new Promise<void>((r) => as.listen(0, '127.0.0.1', r));
  const asUrl = `http://127.0.0.1:${(as.address() as AddressInfo).port}/token`;

  legacy = await startLegacyServer();
  modern = await startModernServer();
  const dir = mkdtempSync(join(tmpdir(), 'custos-oidc-'));
  writeFileSync(join(dir, 'client-secret'), CLIENT_SECRET);
  gw = await startGateway(
    parseConfig(
      {
        listen: { host: '127.0.0.1', port: 0 },
        auth: {
          mode: 'tokens',
          issuers: [{ name: 'op', issuer, algorithms: ['ES256'] }],
          gatewayTokens: { keyFile: join(dir, 'key.json') },
        },
        store: { sqlite: { path: ':memory:' } },
        servers: {
          crm: {
            http: { url: legacy.url },
            credentials: {
              tokenExchange: {
                tokenEndpoint: asUrl,
                clientId: 'crm-gateway',
                clientSecretFile: join(dir, 'client-secret'),
                audience: 'crm',
              },
            },
          },
          modern: { http: { url: modern.url } },
        },
      },
      'test',
    ),
  );

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const resources = [gw.routes.get('crm') as string, gw.routes.get('modern') as string];
  provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'op-es256', alg: 'ES256', use: 'sig' }] },
    clients: [
      {
        client_id: 'nightly-agent',
        client_secret: 'fake-agent-secret-that-is-long-enough',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
        scope: 'mcp',
      },
    ],
    scopes: ['mcp'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resources[0] as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (!resources.includes(resource)) throw new Error('unknown resource');
          return {
            scope: 'mcp',
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    extraTokenClaims: () => ({ groups: ['agents'] }),
  });
  handler = provider.callback();
});

after(async () => {
  await gw.close();
  await legacy.close();
  await modern.close();
  idpServer.closeAllConnections();
  await new Promise<void>((r) => idpServer.close(() => r()));
  as.closeAllConnections();
  await new Promise<void>((r) => as.close(() => r()));
});

/** A JWT access token for `resource` from the real provider (RFC 8707 resource indicator). */
async function tokenFor(resource: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('nightly-agent:fake-agent-secret-that-is-long-enough').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'mcp' }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token as string;
}

test('an oidc-provider token works with the SDK v1 client; the upstream gets a per-user exchanged token', async () => {
  const crm = gw.routes.get('crm') as string;
  const token = await tokenFor(crm);
  const client = new Client({ name: 'oidc-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(crm), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const r = await client.callTool({ name: 'echo', arguments: { message: 'via oidc' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'via oidc' }]);
  } finally {
    await client.close();
  }
  const expected = `Bearer upstream-${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
  const seen = legacy.seen ?? [];
  assert.ok(seen.length > 0);
  assert.ok(
    seen.every((h) => h.authorization === expected),
    'every upstream call carried the exchanged token, never the caller token',
  );
  // One exchange per user, cached across the session's calls.
  assert.equal(asRequests.length, 1);
  assert.equal(asRequests[0]?.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
  assert.equal(asRequests[0]?.get('audience'), 'crm');
  const rows = gw.ctx.store.listExchanges({ server: 'crm' });
  assert.ok(rows.some((r) => r.caller === 'op:nightly-agent'));
});

test('an oidc-provider token works with the SDK v2 client in the 2026-07-28 era', async () => {
  const route = gw.routes.get('modern') as string;
  const token = await tokenFor(route);
  const client = new ModernClient(
    { name: 'oidc-test', version: '1' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(
    new ModernTransport(new URL(route), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const r = await client.callTool({ name: 'echo', arguments: { message: 'modern via oidc' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'modern via oidc' }]);
  } finally {
    await client.close();
  }
  assert.ok(
    modern.seen.every((h) => h.authorization === undefined),
    'the caller token never reaches the upstream',
  );
});

test('a token minted for one route is refused on another (RFC 8707 audience)', async () => {
  const token = await tokenFor(gw.routes.get('crm') as string);
  const res = await fetch(gw.routes.get('modern') as string, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    }),
  });
  assert.equal(res.status, 401);
});

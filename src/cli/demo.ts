import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { generateCustomers } from '../../demo/crm/data.ts';
import { startCrmHttp } from '../../demo/crm/server.ts';
import { PERSONAS, startDemoIssuer } from '../../demo/idp/issuer.ts';
import { parseConfig } from '../config/index.ts';
import { log } from '../core/log.ts';
import { tuneV8ForGateway } from '../core/v8-tuning.ts';
import { startGateway } from '../gateway/server.ts';
import { onShutdown } from './serve.ts';

export interface DemoOptions {
  host: string;
  port: number;
  /** Where the demo keeps its store, signing key and SCIM token (default .custos/). */
  dir?: string;
}

/**
 * The stdio entry of the demo server: under tsx, from the sources; in the bundle (dist/bundle/demo,
 * the demo's part of what `npx custos` runs), its own bundled entry beside this chunk; in tsc's
 * tree, dist/demo.
 */
function crmStdioCommand(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) {
    return { command: process.execPath, args: ['--import', 'tsx', resolve(dir, '../../demo/crm/stdio.ts')] };
  }
  const entry =
    basename(dirname(dir)) === 'bundle'
      ? join(dir, 'demo-crm-stdio.js')
      : resolve(dir, '../../demo/crm/stdio.js');
  return { command: process.execPath, args: [entry] };
}

/** A secret file created once with mode 0600. */
function ensureSecretFile(file: string): void {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
}

/**
 * `custos demo`: the embedded default — SQLite, the bundled demo identity provider (people and a
 * CI system), and the demo CRM server over HTTP and over stdio, every caller authenticated.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const dir = resolve(opts.dir ?? '.custos');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const scimTokenFile = join(dir, 'scim-token');
  ensureSecretFile(scimTokenFile);
  const crm = await startCrmHttp({ host: '127.0.0.1', port: 0 });
  const idp = await startDemoIssuer();
  const stdio = crmStdioCommand();
  const raw = {
    listen: { host: opts.host, port: opts.port },
    auth: {
      mode: 'tokens',
      issuers: [
        { name: 'demo', kind: 'oidc', issuer: idp.peopleIssuer, algorithms: ['ES256'] },
        { name: 'demo-ci', kind: 'github-actions', issuer: idp.ciIssuer, algorithms: ['ES256'] },
      ],
      gatewayTokens: { keyFile: join(dir, 'signing-key.json'), maxTtlSeconds: 8 * 3600 },
      scim: { tokenFile: scimTokenFile },
    },
    store: { sqlite: { path: join(dir, 'demo.db') } },
    audit: {
      controller: {
        name: 'Example Retail GmbH (demo)',
        contact: 'privacy@example.com',
        dpo: 'dpo@example.com',
      },
      checkpoints: { every: 100, interval: '30s', file: join(dir, 'checkpoint.txt') },
    },
    servers: {
      crm: {
        http: { url: crm.url },
        description: 'demo CRM with fake customer data (HTTP)',
        scopes: ['crm'],
        masking: { profile: 'default' },
        audit: {
          retainRaw: true,
          retention: { masked: '365d', raw: '30d' },
          purposes: ['Customer support: answering customer enquiries'],
          legalBasis: 'Art. 6(1)(b) GDPR (contract)',
          dataSubjects: ['Customers'],
          recipients: ['Support staff', 'AI assistants used by the support team'],
        },
      },
      'crm-stdio': {
        stdio: { command: stdio.command, args: stdio.args },
        description: 'the same server over stdio',
        scopes: ['crm'],
        masking: { profile: 'default' },
      },
    },
  };
  const config = parseConfig(raw, 'custos demo');
  // The same configuration as a file, so `custos token … --config` works against this demo.
  const configFile = join(dir, 'demo.yaml');
  writeFileSync(
    configFile,
    `# written by custos demo; the issuer URLs change on every start\n${stringify(raw)}`,
    {
      mode: 0o600,
    },
  );
  const gateway = await startGateway(config);
  tuneV8ForGateway();
  const firstCustomer = generateCustomers({ count: 1 })[0] as { id: string; email: string };
  const url = gateway.routes.get('crm') as string;
  const tokens: string[] = [];
  let alice = '';
  for (const p of PERSONAS) {
    const token = await idp.mint(p, gateway.url);
    if (p.name === 'alice') alice = token;
    tokens.push(`  ${p.name.padEnd(6)} ${p.description}\n         ${token}`);
  }

  process.stdout.write(`custos listening on ${gateway.url}
custos route crm ${url}
custos route crm-stdio ${gateway.routes.get('crm-stdio')}

Demo: a CRM MCP server with fake customer data behind Custos (store: ${join(dir, 'demo.db')}).
Personal data in every answer is masked (e-mails, phones, IBANs, national IDs, names, addresses).
Every caller needs a token. Tokens from the bundled demo identity provider (valid 8 hours):
${tokens.join('\n')}

Claude Desktop (claude_desktop_config.json), as alice:
  { "mcpServers": { "custos-crm": { "command": "npx", "args": ["-y", "mcp-remote", "${url}", "--header", "Authorization: Bearer ${alice}"] } } }
VS Code (.vscode/mcp.json), as alice:
  { "servers": { "custos-crm": { "type": "http", "url": "${url}", "headers": { "Authorization": "Bearer ${alice}" } } } }
MCP Inspector:
  npx @modelcontextprotocol/inspector --transport http --server-url ${url}   (Authentication → Bearer token)

Gateway tokens for what has no IdP, and instant revocation:
  npx custos token issue --config ${configFile} --subject reporting-bot --group reporting --ttl 1h
  npx custos token revoke --config ${configFile} --subject demo:u-bob-0002
SCIM deprovisioning: ${gateway.url}/scim/v2/Users (bearer token in ${scimTokenFile})

The audit trail (every exchange, masked, hash-chained, signed checkpoints in ${join(dir, 'checkpoint.txt')}):
  npx custos audit verify --config ${configFile}
  npx custos audit search --config ${configFile} --user demo:u-alice-0001 --since 1h
  npx custos replay <x-custos-request-id or Mcp-Session-Id> --config ${configFile}
  npx custos dsar export --config ${configFile} --subject ${firstCustomer.email}   (the first demo customer, ${firstCustomer.id})
  npx custos report art30 --config ${configFile}

Ctrl-C stops it.
`);
  onShutdown(async () => {
    await gateway.close();
    await crm.close();
    await idp.close();
    log('info', 'demo stopped');
  });
}

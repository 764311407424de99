import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCrmHttp } from '../../demo/crm/server.ts';
import { parseConfig } from '../config/index.ts';
import { log } from '../core/log.ts';
import { startGateway } from '../gateway/server.ts';
import { onShutdown, warnIfOpen } from './serve.ts';

export interface DemoOptions {
  host: string;
  port: number;
  db?: string;
}

/** The stdio entry of the demo server, from the built tree or, under tsx, from the sources. */
function crmStdioCommand(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return {
      command: process.execPath,
      args: ['--import', 'tsx', resolve(dirname(here), '../../demo/crm/stdio.ts')],
    };
  }
  return { command: process.execPath, args: [resolve(dirname(here), '../../demo/crm/stdio.js')] };
}

/** `custos demo`: the embedded default — SQLite, the demo CRM server over HTTP and over stdio. */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const db = resolve(opts.db ?? '.custos/demo.db');
  mkdirSync(dirname(db), { recursive: true });
  const crm = await startCrmHttp({ host: '127.0.0.1', port: 0 });
  const stdio = crmStdioCommand();
  const config = parseConfig(
    {
      listen: { host: opts.host, port: opts.port },
      auth: { mode: 'none' },
      store: { sqlite: { path: db } },
      servers: {
        crm: { http: { url: crm.url }, description: 'demo CRM with fake customer data (HTTP)' },
        'crm-stdio': {
          stdio: { command: stdio.command, args: stdio.args },
          description: 'the same server over stdio',
        },
      },
    },
    'custos demo',
  );
  warnIfOpen(config);
  const gateway = await startGateway(config);
  const url = gateway.routes.get('crm') as string;
  process.stdout.write(`custos listening on ${gateway.url}
custos route crm ${url}
custos route crm-stdio ${gateway.routes.get('crm-stdio')}

Demo: a CRM MCP server with fake customer data behind Custos (store: ${db}).
Callers are not authenticated in this demo (auth.mode: none).

Claude Desktop (claude_desktop_config.json):
  { "mcpServers": { "custos-crm": { "command": "npx", "args": ["-y", "mcp-remote", "${url}"] } } }
VS Code (.vscode/mcp.json):
  { "servers": { "custos-crm": { "type": "http", "url": "${url}" } } }
MCP Inspector:
  npx @modelcontextprotocol/inspector --transport http --server-url ${url}

Ctrl-C stops it.
`);
  onShutdown(async () => {
    await gateway.close();
    await crm.close();
    log('info', 'demo stopped');
  });
}

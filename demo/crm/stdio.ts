// The demo CRM over stdio (legacy era, SDK v1): `node --import tsx demo/crm/stdio.ts`, or
// `node dist/bundle/demo/demo-crm-stdio.js` from the build. stdout carries JSON-RPC only, so nothing here
// may print to it; the process ends when stdin closes.

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createLegacyServer } from './register-legacy.ts';
import { CrmStore } from './store.ts';

const server = createLegacyServer(new CrmStore());
await server.connect(new StdioServerTransport());

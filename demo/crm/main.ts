// `node --import tsx demo/crm/main.ts --port 9000 [--host 127.0.0.1] [--customers 200]`:
// the demo CRM over HTTP, both protocol eras at /mcp.

import { parseArgs } from 'node:util';
import { startCrmHttp } from './server.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    customers: { type: 'string' },
  },
});

function integer(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`crm: --${name} expects a non-negative integer, got '${text}'\n`);
    process.exit(2);
  }
  return value;
}

const crm = await startCrmHttp({
  host: values.host,
  port: integer('port', values.port),
  ...(values.customers === undefined ? {} : { customers: integer('customers', values.customers) }),
});
process.stdout.write(`crm listening on ${crm.url}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void crm.close().then(() => process.exit(0));
  });
}

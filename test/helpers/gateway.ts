import { parseConfig } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { openSqliteStore } from '../../src/store/index.ts';

/** Starts a gateway on 127.0.0.1:0 with an in-memory store; `servers` as in custos.yaml. */
export async function startTestGateway(
  servers: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<Gateway> {
  const config = parseConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      auth: { mode: 'none' },
      store: { sqlite: { path: ':memory:' } },
      servers,
      ...extra,
    },
    'test',
  );
  return startGateway(config, { store: openSqliteStore({ path: ':memory:' }) });
}

import type { Gateway } from '../../src/gateway/server.ts';
import type { ExchangeQuery, ExchangeRecord } from '../../src/store/index.ts';
import { waitFor } from './legacy-client.ts';

/**
 * Waits until the store holds an exchange matching `want`: a record is written when its exchange
 * ends, which for an SSE answer can be a moment after the client already read the response.
 */
export async function recorded(
  gw: Gateway,
  want: Partial<
    Pick<ExchangeRecord, 'server' | 'method' | 'name' | 'httpStatus' | 'outcome' | 'sessionId' | 'errorCode'>
  >,
  timeoutMs = 5_000,
): Promise<ExchangeRecord> {
  let found: ExchangeRecord | undefined;
  const matches = (e: ExchangeRecord): boolean =>
    Object.entries(want).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v);
  await waitFor(
    () => {
      const query: ExchangeQuery = { limit: 100_000 };
      if (want.server !== undefined) query.server = want.server;
      if (want.method !== undefined) query.method = want.method;
      if (typeof want.sessionId === 'string') query.sessionId = want.sessionId;
      found = gw.ctx.store.listExchanges(query).find(matches);
      return found !== undefined;
    },
    timeoutMs,
    `an exchange like ${JSON.stringify(want)}`,
  );
  return found as ExchangeRecord;
}

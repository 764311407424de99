import type { Exchange } from './exchange.ts';

/** Answers the exchange with one JSON body (for steps that decide the answer themselves). */
export function sendJson(ex: Exchange, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  ex.res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-custos-request-id': ex.id,
  });
  ex.bytesOut += Buffer.byteLength(body);
  ex.res.end(body);
}

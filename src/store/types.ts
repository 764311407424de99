// The store is one interface; only src/store speaks SQL. SQLite is the embedded default; the
// audit issue adds PostgreSQL behind the same interface and the hash chain on top.

export type Era = 'legacy' | 'modern';
export type Outcome = 'ok' | 'error' | 'rejected';

/** One exchange: a JSON-RPC message from the client and everything sent back for it. */
export interface ExchangeRecord {
  id: string;
  receivedAt: number; // ms since epoch
  server: string;
  era: Era;
  protocolVersion: string | null;
  sessionId: string | null;
  caller: string;
  method: string;
  name: string | null;
  httpStatus: number;
  outcome: Outcome;
  /** A CUSTOS_* code for gateway errors, or the JSON-RPC error code the upstream answered. */
  errorCode: string | null;
  durationUs: number;
  upstreamUs: number | null;
  bytesIn: number;
  bytesOut: number;
}

export interface ExchangeQuery {
  server?: string;
  method?: string;
  sessionId?: string;
  limit?: number;
}

export interface Store {
  /** Queues a record; it is committed within the batching window (see flush). */
  recordExchange(record: ExchangeRecord): void;
  /** Commits everything queued so far; blocks until it is on disk (not for the request path). */
  flush(): void;
  listExchanges(query?: ExchangeQuery): ExchangeRecord[];
  countExchanges(): number;
  close(): Promise<void>;
}

export { openSqliteStore } from './sqlite.ts';
export type { Era, ExchangeQuery, ExchangeRecord, Outcome, Store } from './types.ts';

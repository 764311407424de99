export { openSqliteStore } from './sqlite.ts';
export type {
  Era,
  ExchangeQuery,
  ExchangeRecord,
  IdentityStore,
  IssuedToken,
  IssuedTokenQuery,
  NewRevocation,
  Outcome,
  RevocationKind,
  RevocationRecord,
  ScimUser,
  ScimUserQuery,
  Store,
} from './types.ts';

export {
  type AuditEventRow,
  type AuditPayloadRow,
  type AuditSearch,
  type AuditSql,
  type CheckpointRow,
  createAuditSql,
  type SubjectKeyRow,
} from './audit-sql.ts';
export { prepareDatabase } from './schema.ts';
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

import type Database from 'better-sqlite3';
import type {
  IdentityStore,
  IssuedToken,
  IssuedTokenQuery,
  NewRevocation,
  RevocationRecord,
  ScimUser,
  ScimUserQuery,
} from './types.ts';

// Issued tokens, the revocation log and SCIM users. These are rare admin writes that another
// process must see at once (`custos token revoke` beside a running gateway, a SCIM
// deprovisioning seen by every replica), so they commit synchronously on the connection given
// here — the main-thread one — and never go through the batching exchange writer.

interface TokenRow {
  jti: string;
  subject: string;
  groups: string;
  scopes: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  description: string | null;
}

interface ScimRow extends Omit<ScimUser, 'active'> {
  active: number;
}

const TOKEN_COLUMNS = `jti, subject, groups, scopes, issued_at AS issuedAt, expires_at AS expiresAt,
  revoked_at AS revokedAt, description`;
const SCIM_COLUMNS = `id, user_name AS userName, external_id AS externalId, display_name AS displayName,
  active, created_at AS createdAt, updated_at AS updatedAt`;

const toToken = (r: TokenRow): IssuedToken => ({
  ...r,
  groups: JSON.parse(r.groups) as string[],
  scopes: JSON.parse(r.scopes) as string[],
});
const toScim = (r: ScimRow): ScimUser => ({ ...r, active: r.active === 1 });
const scimParams = (u: ScimUser) => ({ ...u, active: u.active ? 1 : 0 });

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function createIdentityStore(db: Database.Database): IdentityStore {
  const insertToken = db.prepare(
    `INSERT INTO issued_tokens (jti, subject, groups, scopes, issued_at, expires_at, revoked_at, description)
     VALUES (@jti, @subject, @groups, @scopes, @issuedAt, @expiresAt, @revokedAt, @description)`,
  );
  const getToken = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM issued_tokens WHERE jti = ?`);
  const stampRevoked = db.prepare(
    'UPDATE issued_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL',
  );
  const insertRevocation = db.prepare(
    `INSERT INTO revocations (kind, value, at, reason, action) VALUES (@kind, @value, @at, @reason, @action)
     RETURNING seq, kind, value, at, reason, action`,
  );
  const since = db.prepare(
    'SELECT seq, kind, value, at, reason, action FROM revocations WHERE seq > ? ORDER BY seq',
  );
  const latestFor = db.prepare(
    'SELECT action FROM revocations WHERE kind = ? AND value = ? ORDER BY seq DESC LIMIT 1',
  );
  const insertScim = db.prepare(
    `INSERT INTO scim_users (id, user_name, external_id, display_name, active, created_at, updated_at)
     VALUES (@id, @userName, @externalId, @displayName, @active, @createdAt, @updatedAt)`,
  );
  const getScim = db.prepare(`SELECT ${SCIM_COLUMNS} FROM scim_users WHERE id = ?`);
  const updateScim = db.prepare(
    `UPDATE scim_users SET user_name = @userName, external_id = @externalId, display_name = @displayName,
       active = @active, updated_at = @updatedAt WHERE id = @id`,
  );
  const deleteScim = db.prepare('DELETE FROM scim_users WHERE id = ?');
  const inactive = db.prepare('SELECT user_name AS userName FROM scim_users WHERE active = 0');

  const append = (r: NewRevocation): RevocationRecord => {
    const row = insertRevocation.get({
      kind: r.kind,
      value: r.value,
      at: r.at,
      reason: r.reason ?? null,
      action: r.action ?? 'revoke',
    }) as RevocationRecord;
    if (r.kind === 'token' && row.action === 'revoke') stampRevoked.run(r.at, r.value);
    return row;
  };

  const addRevocation = db.transaction(append);

  const createScim = db.transaction((user: ScimUser, event?: NewRevocation) => {
    insertScim.run(scimParams(user));
    if (event) append(event);
  });
  const replaceScim = db.transaction((user: ScimUser, event?: NewRevocation) => {
    const changed = updateScim.run(scimParams(user)).changes;
    if (changed > 0 && event) append(event);
    return changed > 0;
  });
  const removeScim = db.transaction((id: string, event?: NewRevocation) => {
    const changed = deleteScim.run(id).changes;
    if (changed > 0 && event) append(event);
    return changed > 0;
  });

  return {
    recordIssuedToken(t) {
      insertToken.run({ ...t, groups: JSON.stringify(t.groups), scopes: JSON.stringify(t.scopes) });
    },
    listIssuedTokens(query: IssuedTokenQuery = {}) {
      const where = query.subject === undefined ? '' : 'WHERE subject = @subject';
      const sql = `SELECT ${TOKEN_COLUMNS} FROM issued_tokens ${where} ORDER BY issued_at, jti LIMIT @limit`;
      const params: Record<string, unknown> = { limit: query.limit ?? 10_000 };
      if (query.subject !== undefined) params.subject = query.subject;
      return (db.prepare(sql).all(params) as TokenRow[]).map(toToken);
    },
    getIssuedToken(jti) {
      const row = getToken.get(jti) as TokenRow | undefined;
      return row && toToken(row);
    },
    addRevocation: (r) => addRevocation(r),
    revocationsSince: (seq) => since.all(seq) as RevocationRecord[],
    isUserRevoked(user) {
      const row = latestFor.get('user', user) as { action: string } | undefined;
      return row?.action === 'revoke';
    },
    createScimUser(user, event) {
      try {
        createScim(user, event);
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    getScimUser(id) {
      const row = getScim.get(id) as ScimRow | undefined;
      return row && toScim(row);
    },
    findScimUsers(query: ScimUserQuery = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = {};
      if (query.userName !== undefined) {
        where.push('user_name = @userName'); // the column is COLLATE NOCASE
        params.userName = query.userName;
      }
      if (query.externalId !== undefined) {
        where.push('external_id = @externalId');
        params.externalId = query.externalId;
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = (
        db.prepare(`SELECT count(*) AS n FROM scim_users ${clause}`).get(params) as { n: number }
      ).n;
      const rows = db
        .prepare(
          `SELECT ${SCIM_COLUMNS} FROM scim_users ${clause} ORDER BY created_at, id LIMIT @count OFFSET @offset`,
        )
        .all({
          ...params,
          count: query.count ?? 100,
          offset: Math.max(0, (query.startIndex ?? 1) - 1),
        }) as ScimRow[];
      return { total, users: rows.map(toScim) };
    },
    updateScimUser(user, event) {
      try {
        return replaceScim(user, event) ? 'ok' : 'not-found';
      } catch (err) {
        if (isUniqueViolation(err)) return 'conflict';
        throw err;
      }
    },
    deleteScimUser: (id, event) => removeScim(id, event),
    listInactiveScimUsers: () => (inactive.all() as { userName: string }[]).map((r) => r.userName),
  };
}

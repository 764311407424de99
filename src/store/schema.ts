import type Database from 'better-sqlite3';

// The SQLite schema and its migrations, shared by the writer (worker) and readers.

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE exchanges (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     server TEXT NOT NULL,
     era TEXT NOT NULL,
     protocol_version TEXT,
     session_id TEXT,
     caller TEXT NOT NULL,
     method TEXT NOT NULL,
     name TEXT,
     http_status INTEGER NOT NULL,
     outcome TEXT NOT NULL,
     error_code TEXT,
     duration_us INTEGER NOT NULL,
     upstream_us INTEGER,
     bytes_in INTEGER NOT NULL,
     bytes_out INTEGER NOT NULL
   );
   CREATE INDEX exchanges_received_at ON exchanges (received_at);
   CREATE INDEX exchanges_session ON exchanges (session_id) WHERE session_id IS NOT NULL;`,
  // Identity: what was issued (never the token itself), the revocation log every replica polls
  // by seq, and the SCIM users the company's directory provisions (RFC 7643 §4.1).
  `CREATE TABLE issued_tokens (
     jti TEXT PRIMARY KEY,
     subject TEXT NOT NULL,
     groups TEXT NOT NULL,
     scopes TEXT NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     revoked_at INTEGER,
     description TEXT
   );
   CREATE INDEX issued_tokens_subject ON issued_tokens (subject);
   CREATE TABLE revocations (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL CHECK (kind IN ('token', 'subject', 'user')),
     value TEXT NOT NULL,
     at INTEGER NOT NULL,
     reason TEXT,
     action TEXT NOT NULL DEFAULT 'revoke' CHECK (action IN ('revoke', 'lift'))
   );
   CREATE INDEX revocations_target ON revocations (kind, value);
   CREATE TABLE scim_users (
     id TEXT PRIMARY KEY,
     user_name TEXT NOT NULL COLLATE NOCASE UNIQUE,
     external_id TEXT,
     display_name TEXT,
     active INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // Masking: how many of each entity type an answer carried (never the values), and whether the
  // caller saw them masked or raw (an exempt group).
  `ALTER TABLE exchanges ADD COLUMN findings TEXT;
   ALTER TABLE exchanges ADD COLUMN masking TEXT;`,
  // Authorization: the policy rule that decided and its effect.
  `ALTER TABLE exchanges ADD COLUMN policy_rule TEXT;
   ALTER TABLE exchanges ADD COLUMN policy_effect TEXT;`,
  // The audit trail (docs/audit.md). audit_events is the chain: one row per event, its canonical
  // body as hashed, seq = its leaf index in the RFC 9162 tree. Payloads (the masked recording and
  // the encrypted raw copy) live apart so retention can delete them while their hashes, inside the
  // body, keep the chain whole. audit_subjects is the blind index (keyed hashes, deletable on
  // erasure); subject_keys the per-data-subject keys (deleting one crypto-shreds what it sealed).
  // The exchanges table above is no longer written: its rows predate the chain.
  `CREATE TABLE audit_events (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     kind TEXT NOT NULL,
     at INTEGER NOT NULL,
     server TEXT,
     caller TEXT,
     method TEXT,
     name TEXT,
     session_id TEXT,
     outcome TEXT,
     body TEXT NOT NULL,
     leaf_hash BLOB NOT NULL,
     chain_hash BLOB NOT NULL
   );
   CREATE INDEX audit_events_id ON audit_events (id);
   CREATE INDEX audit_events_at ON audit_events (at);
   CREATE INDEX audit_events_caller ON audit_events (caller, at);
   CREATE INDEX audit_events_server ON audit_events (server, at);
   CREATE INDEX audit_events_name ON audit_events (name, at) WHERE name IS NOT NULL;
   CREATE INDEX audit_events_session ON audit_events (session_id) WHERE session_id IS NOT NULL;
   CREATE TABLE audit_payloads (
     seq INTEGER PRIMARY KEY,
     masked BLOB,
     raw BLOB,
     pruned_at INTEGER
   );
   CREATE TABLE audit_nodes (
     level INTEGER NOT NULL,
     idx INTEGER NOT NULL,
     hash BLOB NOT NULL,
     PRIMARY KEY (level, idx)
   ) WITHOUT ROWID;
   CREATE TABLE audit_checkpoints (
     size INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     root_hash BLOB NOT NULL,
     note TEXT NOT NULL
   );
   CREATE TABLE audit_subjects (
     subject BLOB NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (subject, seq)
   ) WITHOUT ROWID;
   CREATE TABLE subject_keys (
     key_id BLOB PRIMARY KEY,
     subject BLOB UNIQUE,
     wrapped BLOB NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE audit_meta (
     name TEXT PRIMARY KEY,
     value INTEGER NOT NULL
   );
   INSERT INTO audit_meta (name, value) VALUES ('erasures', 0), ('probe', 0);`,
  // Approval (issue 5): requests (never raw arguments: a digest and a masked preview), one vote
  // per approver, the append-only lifecycle log the audit trail chains, and tool pins.
  `ALTER TABLE exchanges ADD COLUMN approval_id TEXT;
   CREATE TABLE approvals (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('pending', 'granted', 'denied', 'expired', 'used', 'withdrawn')),
     requester TEXT NOT NULL,
     requester_user TEXT,
     server TEXT NOT NULL,
     method TEXT NOT NULL,
     name TEXT,
     args_digest TEXT NOT NULL,
     preview TEXT NOT NULL,
     justification TEXT,
     rule TEXT NOT NULL,
     reason TEXT,
     approvers TEXT NOT NULL,
     quorum INTEGER NOT NULL,
     grant_for_s INTEGER,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     decided_at INTEGER,
     usable_until INTEGER,
     uses INTEGER NOT NULL DEFAULT 0,
     task_id TEXT UNIQUE,
     request_id TEXT
   );
   CREATE INDEX approvals_call ON approvals (requester, server, method, args_digest, status);
   CREATE INDEX approvals_created ON approvals (created_at);
   CREATE TABLE approval_votes (
     approval_id TEXT NOT NULL REFERENCES approvals (id),
     approver TEXT NOT NULL,
     approver_user TEXT,
     vote TEXT NOT NULL CHECK (vote IN ('grant', 'deny')),
     reason TEXT,
     at INTEGER NOT NULL,
     PRIMARY KEY (approval_id, approver)
   );
   CREATE TABLE approval_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     approval_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     at INTEGER NOT NULL,
     actor TEXT,
     detail TEXT
   );
   CREATE INDEX approval_events_approval ON approval_events (approval_id, seq);
   CREATE TABLE tool_pins (
     server TEXT NOT NULL,
     tool TEXT NOT NULL,
     pinned TEXT NOT NULL,
     seen TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pinned', 'changed')),
     headers TEXT,
     first_seen_at INTEGER NOT NULL,
     changed_at INTEGER,
     accepted_at INTEGER,
     accepted_by TEXT,
     rev INTEGER NOT NULL,
     PRIMARY KEY (server, tool)
   );
   CREATE INDEX tool_pins_rev ON tool_pins (rev);`,
  // Work per event moves out of the append (docs/audit.md, "Data subjects"): the chain's rows are
  // appended with no secondary index, and every 256 events (a bucket) the writer folds the bucket
  // into audit_search (the searchable columns, indexed) and the blind index's postings. Until then
  // an event is found by scanning the unfolded tail (at most a few hundred rows). The blind index
  // becomes subject sets and postings (src/store/subject-sets.ts): one row per event (its keys,
  // sorted, in one blob) until its bucket is folded, then one row per distinct subject of the
  // bucket with the offsets of its events. Existing rows move over: complete buckets folded, the
  // rest as the tail.
  `INSERT INTO audit_meta (name, value) SELECT 'folded', (SELECT count(*) FROM audit_events) / 256;
   CREATE TABLE audit_search (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     at INTEGER NOT NULL,
     server TEXT,
     caller TEXT,
     name TEXT,
     session_id TEXT
   );
   INSERT INTO audit_search (seq, id, at, server, caller, name, session_id)
     SELECT seq, id, at, server, caller, name, session_id FROM audit_events
     WHERE seq < (SELECT value * 256 FROM audit_meta WHERE name = 'folded');
   DROP INDEX audit_events_id;
   DROP INDEX audit_events_at;
   DROP INDEX audit_events_caller;
   DROP INDEX audit_events_server;
   DROP INDEX audit_events_name;
   DROP INDEX audit_events_session;
   CREATE INDEX audit_search_id ON audit_search (id);
   CREATE INDEX audit_search_at ON audit_search (at);
   CREATE INDEX audit_search_caller ON audit_search (caller, at);
   CREATE INDEX audit_search_server ON audit_search (server, at);
   CREATE INDEX audit_search_name ON audit_search (name, at) WHERE name IS NOT NULL;
   CREATE INDEX audit_search_session ON audit_search (session_id) WHERE session_id IS NOT NULL;
   CREATE TABLE audit_subject_sets (
     seq INTEGER PRIMARY KEY,
     keys BLOB NOT NULL
   );
   CREATE TABLE audit_subject_postings (
     subject BLOB NOT NULL,
     bucket INTEGER NOT NULL,
     offsets BLOB NOT NULL,
     PRIMARY KEY (subject, bucket)
   ) WITHOUT ROWID;
   INSERT INTO audit_subject_postings (subject, bucket, offsets)
     SELECT subject, seq / 256, unhex(group_concat(printf('%02x', seq % 256), '' ORDER BY seq))
     FROM audit_subjects
     WHERE seq < (SELECT value * 256 FROM audit_meta WHERE name = 'folded')
     GROUP BY subject, seq / 256;
   INSERT INTO audit_subject_sets (seq, keys)
     SELECT seq, unhex(group_concat(hex(subject), '' ORDER BY subject))
     FROM audit_subjects
     WHERE seq >= (SELECT value * 256 FROM audit_meta WHERE name = 'folded')
     GROUP BY seq;
   DROP TABLE audit_subjects;`,
];

/** Opens the pragmas every connection needs and brings the schema up to date. */
export function prepareDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // Deleted rows are overwritten, not left in free pages: an erased subject's key is gone for real.
  db.pragma('secure_delete = ON');
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  // Every migration due in one IMMEDIATE transaction. IMMEDIATE takes the write lock before reading
  // the version, so two processes opening a new file at once (the CLI beside a starting gateway) do
  // not both run the same migration. One transaction: a migration that fails leaves the file as it
  // was, and a new file is made in one commit and one sync instead of one per migration (~4 ms of a
  // first start here: docs/bench.md, stop 27).
  const migrate = db.transaction(() => {
    const from = version();
    if (from >= MIGRATIONS.length) return;
    for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  if (version() < MIGRATIONS.length) migrate.immediate();
}

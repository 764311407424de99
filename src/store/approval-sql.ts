import type Database from 'better-sqlite3';
import type {
  ApprovalEvent,
  ApprovalKey,
  ApprovalQuery,
  ApprovalRecord,
  ApprovalStore,
  ApprovalVote,
  NewApproval,
  NewApprovalEvent,
} from './types.ts';

// Approval requests, votes and their lifecycle log. Like identity writes, these are rare and
// another process must see them at once (an approver's `custos approve grant` against one
// replica wakes a call held by another), so they commit synchronously on the main-thread
// connection. Every state change appends its event in the same transaction, and only through
// appendApprovalEvent: the audit trail (issue 7) redirects that one function.

interface ApprovalRow extends Omit<ApprovalRecord, 'approvers'> {
  approvers: string;
}

const COLUMNS = `id, status, requester, requester_user AS requesterUser, server, method, name,
  args_digest AS argsDigest, preview, justification, rule, reason, approvers, quorum,
  grant_for_s AS grantForSeconds, created_at AS createdAt, expires_at AS expiresAt,
  decided_at AS decidedAt, usable_until AS usableUntil, uses, task_id AS taskId, request_id AS requestId`;
const VOTE_COLUMNS = `approval_id AS approvalId, approver, approver_user AS approverUser, vote, reason, at`;
const EVENT_COLUMNS = 'seq, approval_id AS approvalId, kind, at, actor, detail';
const SAME_CALL = `requester = @requester AND server = @server AND method = @method AND name IS @name
  AND args_digest = @argsDigest`;

const toRecord = (r: ApprovalRow): ApprovalRecord => ({
  ...r,
  approvers: JSON.parse(r.approvers) as string[],
});
const keyParams = (k: ApprovalKey, now: number) => ({
  requester: k.requester,
  server: k.server,
  method: k.method,
  name: k.name,
  argsDigest: k.argsDigest,
  now,
});
const detailText = (d: Record<string, unknown> | undefined): string | null =>
  d === undefined ? null : JSON.stringify(d);

export function createApprovalStore(db: Database.Database): ApprovalStore {
  const insertEvent = db.prepare(
    `INSERT INTO approval_events (approval_id, kind, at, actor, detail)
     VALUES (@approvalId, @kind, @at, @actor, @detail) RETURNING ${EVENT_COLUMNS}`,
  );
  const insertApproval = db.prepare(
    `INSERT INTO approvals (id, status, requester, requester_user, server, method, name, args_digest, preview,
       justification, rule, reason, approvers, quorum, grant_for_s, created_at, expires_at, task_id, request_id)
     VALUES (@id, 'pending', @requester, @requesterUser, @server, @method, @name, @argsDigest, @preview,
       @justification, @rule, @reason, @approvers, @quorum, @grantForSeconds, @createdAt, @expiresAt, @taskId,
       @requestId)`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM approvals WHERE id = ?`);
  const byTask = db.prepare(`SELECT ${COLUMNS} FROM approvals WHERE task_id = ?`);
  const setTask = db.prepare('UPDATE approvals SET task_id = ? WHERE id = ?');
  const pending = db.prepare(
    `SELECT ${COLUMNS} FROM approvals WHERE ${SAME_CALL} AND status = 'pending' AND expires_at > @now
     ORDER BY created_at DESC LIMIT 1`,
  );
  // A window grant stays usable until usable_until; a one-call grant only while unused.
  const usable = db.prepare(
    `SELECT ${COLUMNS} FROM approvals WHERE ${SAME_CALL} AND status = 'granted' AND usable_until > @now
     ORDER BY decided_at DESC LIMIT 1`,
  );
  const used = db.prepare(
    `SELECT ${COLUMNS} FROM approvals WHERE ${SAME_CALL} AND status = 'used' AND usable_until > @now
     ORDER BY decided_at DESC LIMIT 1`,
  );
  const countUse = db.prepare(
    `UPDATE approvals SET uses = uses + 1,
       status = CASE WHEN grant_for_s IS NULL THEN 'used' ELSE status END
     WHERE id = ? AND status = 'granted' AND usable_until > ?`,
  );
  const votesOf = db.prepare(`SELECT ${VOTE_COLUMNS} FROM approval_votes WHERE approval_id = ? ORDER BY at`);
  const sameApprover = db.prepare(
    `SELECT 1 FROM approval_votes WHERE approval_id = @id
     AND (approver = @approver OR (@user IS NOT NULL AND approver_user = @user))`,
  );
  const insertVote = db.prepare(
    `INSERT INTO approval_votes (approval_id, approver, approver_user, vote, reason, at)
     VALUES (@approvalId, @approver, @approverUser, @vote, @reason, @at)`,
  );
  const grantsOf = db.prepare(
    `SELECT count(*) AS n FROM approval_votes WHERE approval_id = ? AND vote = 'grant'`,
  );
  const decide = db.prepare(
    `UPDATE approvals SET status = @status, decided_at = @at, usable_until = @usableUntil
     WHERE id = @id AND status = 'pending'`,
  );
  const expire = db.prepare(
    `UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at <= ?`,
  );
  const withdraw = db.prepare(
    `UPDATE approvals SET status = 'withdrawn', decided_at = ? WHERE id = ? AND status = 'pending'`,
  );
  const lastSeq = db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM approval_events');
  const eventsSince = db.prepare(
    `SELECT ${EVENT_COLUMNS} FROM approval_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  );

  const get = (id: string): ApprovalRecord | undefined => {
    const row = byId.get(id) as ApprovalRow | undefined;
    return row && toRecord(row);
  };

  // The one funnel for lifecycle events (see the comment at the top).
  const appendApprovalEvent = (e: NewApprovalEvent): ApprovalEvent => insertEvent.get(e) as ApprovalEvent;

  const create = db.transaction((a: NewApproval): ApprovalRecord => {
    insertApproval.run({ ...a, approvers: JSON.stringify(a.approvers) });
    appendApprovalEvent({
      approvalId: a.id,
      kind: 'requested',
      at: a.createdAt,
      actor: a.requester,
      detail: JSON.stringify({
        rule: a.rule,
        server: a.server,
        method: a.method,
        name: a.name,
        requestId: a.requestId,
      }),
    });
    return get(a.id) as ApprovalRecord;
  });

  const use = db.transaction((id: string, now: number, actor: string, detail?: Record<string, unknown>) => {
    if (countUse.run(id, now).changes === 0) return false;
    appendApprovalEvent({ approvalId: id, kind: 'used', at: now, actor, detail: detailText(detail) });
    return true;
  });

  const vote = db.transaction(
    (v: ApprovalVote, quorum: number, grantForSeconds: number | null, useWithinSeconds: number) => {
      const current = get(v.approvalId);
      if (!current) return { outcome: 'not-found' as const };
      if (current.status !== 'pending' || current.expiresAt <= v.at)
        return { outcome: 'not-pending' as const };
      if (sameApprover.get({ id: v.approvalId, approver: v.approver, user: v.approverUser }))
        return { outcome: 'duplicate' as const };
      insertVote.run(v);
      appendApprovalEvent({
        approvalId: v.approvalId,
        kind: 'voted',
        at: v.at,
        actor: v.approver,
        detail: JSON.stringify({ vote: v.vote, reason: v.reason }),
      });
      // One deny ends the request; `quorum` distinct grants approve it.
      if (v.vote === 'deny') {
        decide.run({ id: v.approvalId, status: 'denied', at: v.at, usableUntil: null });
        appendApprovalEvent({
          approvalId: v.approvalId,
          kind: 'denied',
          at: v.at,
          actor: v.approver,
          detail: null,
        });
        return { outcome: 'denied' as const, approval: get(v.approvalId) as ApprovalRecord };
      }
      const grants = (grantsOf.get(v.approvalId) as { n: number }).n;
      if (grants < quorum)
        return { outcome: 'recorded' as const, approval: get(v.approvalId) as ApprovalRecord };
      const usableUntil = v.at + (grantForSeconds ?? useWithinSeconds) * 1000;
      decide.run({ id: v.approvalId, status: 'granted', at: v.at, usableUntil });
      appendApprovalEvent({
        approvalId: v.approvalId,
        kind: 'granted',
        at: v.at,
        actor: v.approver,
        detail: JSON.stringify({ grants, usableUntil }),
      });
      return { outcome: 'granted' as const, approval: get(v.approvalId) as ApprovalRecord };
    },
  );

  const expireOne = db.transaction((id: string, now: number) => {
    if (expire.run(now, id, now).changes === 0) return false;
    appendApprovalEvent({ approvalId: id, kind: 'expired', at: now, actor: null, detail: null });
    return true;
  });

  const withdrawOne = db.transaction((id: string, now: number, actor: string) => {
    if (withdraw.run(now, id).changes === 0) return false;
    appendApprovalEvent({ approvalId: id, kind: 'withdrawn', at: now, actor, detail: null });
    return true;
  });

  return {
    createApproval: (a) => create(a),
    getApproval: get,
    getApprovalByTask(taskId) {
      const row = byTask.get(taskId) as ApprovalRow | undefined;
      return row && toRecord(row);
    },
    setApprovalTask(id, taskId) {
      setTask.run(taskId, id);
    },
    findPendingApproval(key, now) {
      const row = pending.get(keyParams(key, now)) as ApprovalRow | undefined;
      return row && toRecord(row);
    },
    findUsableGrant(key, now) {
      const row = usable.get(keyParams(key, now)) as ApprovalRow | undefined;
      return row && toRecord(row);
    },
    findUsedGrant(key, now) {
      const row = used.get(keyParams(key, now)) as ApprovalRow | undefined;
      return row && toRecord(row);
    },
    useGrant: (id, now, actor, detail) => use(id, now, actor, detail),
    voteApproval: (v, quorum, grantFor, useWithin) => vote(v, quorum, grantFor, useWithin),
    expireApproval: (id, now) => expireOne(id, now),
    withdrawApproval: (id, now, actor) => withdrawOne(id, now, actor),
    listApprovals(query: ApprovalQuery = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: query.limit ?? 100 };
      if (query.status !== undefined) {
        where.push('status = @status');
        params.status = query.status;
      }
      if (query.requester !== undefined) {
        where.push('requester = @requester');
        params.requester = query.requester;
      }
      const sql = `SELECT ${COLUMNS} FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id LIMIT @limit`;
      return (db.prepare(sql).all(params) as ApprovalRow[]).map(toRecord);
    },
    listApprovalVotes: (id) => votesOf.all(id) as ApprovalVote[],
    approvalEventsSince: (seq, limit = 1000) => eventsSince.all(seq, limit) as ApprovalEvent[],
    lastApprovalEventSeq: () => (lastSeq.get() as { seq: number }).seq,
    appendApprovalEvent,
  };
}

import { GatewayError } from '../core/errors.ts';
import type { Identity } from '../core/exchange.ts';
import { log } from '../core/log.ts';
import type { ApprovalRecord, ApprovalStatus } from '../store/index.ts';
import type { ApprovalDeps, ApprovalView, GatewayApprovals, Vote } from './types.ts';
import type { DecisionWatch } from './watch.ts';

// Deciding: an approver is a member of one of the groups the rule names, is not the requester
// (neither the same subject, through any token, nor the same directory user under another
// subject), and votes once. One deny ends the request; `quorum` distinct grants approve it.
// Who may see a request: its approvers, its requester, and the admin groups.

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function sameUser(a: string | undefined | null, b: string | undefined | null): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

export function isRequester(caller: Identity, r: ApprovalRecord): boolean {
  return caller.subject === r.requester || sameUser(caller.user, r.requesterUser);
}

function isApprover(caller: Identity, r: ApprovalRecord): boolean {
  return r.approvers.some((g) => caller.groups.includes(g));
}

export function createDecisions(
  deps: ApprovalDeps,
  watch: DecisionWatch,
): Pick<GatewayApprovals, 'list' | 'show' | 'decide'> {
  const { store } = deps;
  const isAdmin = (caller: Identity): boolean => deps.adminGroups.some((g) => caller.groups.includes(g));
  const visible = (caller: Identity, r: ApprovalRecord): boolean =>
    isAdmin(caller) || isRequester(caller, r) || isApprover(caller, r);

  /** A pending request past its deadline is expired when next looked at (and its event written). */
  const current = (r: ApprovalRecord): ApprovalRecord => {
    const now = Date.now();
    if (r.status !== 'pending' || r.expiresAt > now) return r;
    if (store.expireApproval(r.id, now)) watch.wake(r.id);
    return store.getApproval(r.id) ?? r;
  };

  const view = (caller: Identity, r: ApprovalRecord): ApprovalView => {
    const votes = store.listApprovalVotes(r.id);
    let preview: unknown;
    try {
      preview = JSON.parse(r.preview);
    } catch {
      preview = r.preview; // clipped: shown as text
    }
    return {
      id: r.id,
      status: r.status,
      requester: r.requester,
      requesterUser: r.requesterUser,
      server: r.server,
      method: r.method,
      name: r.name,
      argsDigest: r.argsDigest,
      preview,
      justification: r.justification,
      rule: r.rule,
      reason: r.reason,
      approvers: r.approvers,
      quorum: r.quorum,
      grants: votes.filter((v) => v.vote === 'grant').length,
      votes: votes.map((v) => ({
        approver: v.approver,
        vote: v.vote,
        reason: v.reason,
        at: iso(v.at) as string,
      })),
      grantForSeconds: r.grantForSeconds,
      createdAt: iso(r.createdAt) as string,
      expiresAt: iso(r.expiresAt) as string,
      decidedAt: iso(r.decidedAt),
      usableUntil: iso(r.usableUntil),
      uses: r.uses,
      link: deps.link(r.id),
      canDecide:
        r.status === 'pending' &&
        !isRequester(caller, r) &&
        isApprover(caller, r) &&
        !votes.some((v) => v.approver === caller.subject || sameUser(v.approverUser, caller.user)),
    };
  };

  const find = (caller: Identity, id: string): ApprovalRecord => {
    const r = store.getApproval(id);
    // Not visible reads like not there: no oracle for other people's requests.
    if (!r || !visible(caller, r)) throw new GatewayError('CUSTOS_NOT_FOUND', { detail: `approval '${id}'` });
    return current(r);
  };

  return {
    list(caller, query: { status?: ApprovalStatus; limit?: number } = {}) {
      const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
      // Visibility is decided here, over a bounded window of the newest requests.
      const rows = store.listApprovals({
        ...(query.status ? { status: query.status } : {}),
        limit: limit * 10,
      });
      const out: ApprovalView[] = [];
      for (const r of rows) {
        if (!visible(caller, r)) continue;
        const now = current(r);
        if (query.status !== undefined && now.status !== query.status) continue;
        out.push(view(caller, now));
        if (out.length >= limit) break;
      }
      return out;
    },
    show: (caller, id) => view(caller, find(caller, id)),
    decide(caller, id, vote: Vote, reason) {
      const r = find(caller, id);
      if (r.status !== 'pending') {
        throw new GatewayError('CUSTOS_APPROVAL_DECIDED', {
          detail: `approval '${id}' is ${r.status}`,
          data: { approvalId: id },
        });
      }
      if (isRequester(caller, r))
        throw new GatewayError('CUSTOS_SELF_APPROVAL', { data: { approvalId: id } });
      if (!isApprover(caller, r)) {
        throw new GatewayError('CUSTOS_FORBIDDEN', {
          detail: `only members of ${r.approvers.join(', ')} decide approval '${id}'`,
          data: { approvalId: id },
        });
      }
      const useWithinSeconds = Math.max(1, Math.round((r.expiresAt - r.createdAt) / 1000));
      const result = store.voteApproval(
        {
          approvalId: id,
          approver: caller.subject,
          approverUser: caller.user ?? null,
          vote,
          reason: reason === undefined || reason === '' ? null : reason.slice(0, 1000),
          at: Date.now(),
        },
        r.quorum,
        r.grantForSeconds,
        useWithinSeconds,
      );
      if (result.outcome === 'not-found')
        throw new GatewayError('CUSTOS_NOT_FOUND', { detail: `approval '${id}'` });
      if (!('approval' in result)) {
        throw new GatewayError('CUSTOS_APPROVAL_DECIDED', {
          detail:
            result.outcome === 'duplicate'
              ? `you have already voted on approval '${id}'`
              : `approval '${id}' is no longer pending`,
          data: { approvalId: id },
        });
      }
      log('info', 'approval vote', {
        approvalId: id,
        approver: caller.subject,
        vote,
        outcome: result.outcome,
      });
      if (result.outcome !== 'recorded') watch.wake(id);
      return view(caller, result.approval);
    },
  };
}

import type { GatewayApprovals, Vote } from '../approval/index.ts';
import { GatewayError } from '../core/errors.ts';
import type { ApprovalStatus } from '../store/index.ts';
import type { AdminRequest, AdminRoute } from './router.ts';

// /admin/v1/approvals: list, show, grant, deny (docs/policy.md, "The admin API"). What a caller
// sees and may decide is the approval flow's call (src/approval/decisions.ts): approvers see the
// requests they may decide, requesters their own, admin groups everything.

const STATUSES: ReadonlySet<string> = new Set([
  'pending',
  'granted',
  'denied',
  'expired',
  'used',
  'withdrawn',
]);

function reasonOf(body: Record<string, unknown>): string | undefined {
  const r = body.reason;
  if (r === undefined || r === null) return undefined;
  if (typeof r !== 'string')
    throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: "'reason' must be a string" });
  return r;
}

export function approvalRoutes(approvals: GatewayApprovals): AdminRoute[] {
  const vote = (v: Vote) => async (req: AdminRequest) => {
    const body = await req.body();
    return { approval: approvals.decide(req.caller, req.params[0] as string, v, reasonOf(body)) };
  };
  return [
    {
      method: 'GET',
      path: /^\/approvals\/?$/,
      handle(req) {
        const status = req.query.get('status') ?? undefined;
        if (status !== undefined && !STATUSES.has(status))
          throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: `unknown status '${status}'` });
        const limit = Number(req.query.get('limit') ?? 100);
        if (!Number.isInteger(limit) || limit < 1)
          throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: "'limit' must be a positive integer" });
        const query = status === undefined ? { limit } : { status: status as ApprovalStatus, limit };
        return { approvals: approvals.list(req.caller, query) };
      },
    },
    {
      method: 'GET',
      path: /^\/approvals\/([^/]+)$/,
      handle: (req) => ({ approval: approvals.show(req.caller, req.params[0] as string) }),
    },
    { method: 'POST', path: /^\/approvals\/([^/]+)\/grant$/, handle: vote('grant') },
    { method: 'POST', path: /^\/approvals\/([^/]+)\/deny$/, handle: vote('deny') },
  ];
}

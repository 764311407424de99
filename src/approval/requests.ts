import { randomBytes } from 'node:crypto';
import { GatewayError } from '../core/errors.ts';
import type { ApprovalNeed, Exchange, Identity } from '../core/exchange.ts';
import { log } from '../core/log.ts';
import type { ApprovalKey, ApprovalRecord } from '../store/index.ts';
import { argumentsDigest } from './digest.ts';
import type { ApprovalDeps } from './types.ts';

// Opening an approval request: who asks, for which call (server, method, name, a digest of the
// exact arguments), why (the justification the rule asks for), and what the arguments look like
// — masked, never raw. A request for the same call that is still pending is joined, not repeated,
// so a client that reconnects or retries does not flood the approvers.

/** Previews and justifications are shown to people: a bounded size is plenty. */
const MAX_PREVIEW_CHARS = 4096;
const MAX_JUSTIFICATION_CHARS = 1000;

export function newApprovalId(): string {
  return `ap-${randomBytes(8).toString('hex')}`;
}

/** What identifies this call for grants and pending requests. */
export function callKey(identity: Identity, server: string, need: ApprovalNeed): ApprovalKey {
  return {
    requester: identity.subject,
    server,
    method: need.method,
    name: need.name ?? null,
    argsDigest: argumentsDigest(need.args),
  };
}

/** The justification the rule asks for: an argument (a string) or a request header; trimmed. */
export function justificationOf(ex: Exchange, need: ApprovalNeed): string | undefined {
  const source = need.spec.justification;
  if (source === undefined) return undefined;
  let value: unknown;
  if (source.argument !== undefined) {
    const args = need.args;
    if (typeof args === 'object' && args !== null && Object.hasOwn(args, source.argument))
      value = (args as Record<string, unknown>)[source.argument];
  }
  if ((typeof value !== 'string' || value.trim() === '') && source.header !== undefined) {
    value = ex.req.headers[source.header.toLowerCase()];
  }
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The pending request for this call, or a new one (masked preview, notifier told). */
export async function openRequest(
  deps: ApprovalDeps,
  ex: Exchange,
  need: ApprovalNeed,
  key: ApprovalKey,
): Promise<ApprovalRecord> {
  const existing = deps.store.findPendingApproval(key, Date.now());
  if (existing) return existing;
  const spec = need.spec;
  const justification = justificationOf(ex, need);
  if (spec.justification !== undefined && justification === undefined) {
    const where =
      spec.justification.argument !== undefined
        ? `the argument '${spec.justification.argument}'`
        : `the header '${spec.justification.header}'`;
    throw new GatewayError('CUSTOS_APPROVAL_REQUIRED', {
      detail: `rule '${spec.rule}' needs a justification in ${where}`,
    });
  }
  const server = ex.upstream.name;
  const tool = need.method === 'tools/call' ? need.name : undefined;
  const [preview, maskedWhy] = await Promise.all([
    deps.mask(server, tool, need.args),
    justification === undefined ? undefined : deps.mask(server, tool, justification),
  ]);
  // While the preview was masked, the same call may have asked already (a second replica, a retry).
  const now = Date.now();
  const raced = deps.store.findPendingApproval(key, now);
  if (raced) return raced;
  const identity = ex.identity as Identity;
  const record = deps.store.createApproval({
    id: newApprovalId(),
    requester: key.requester,
    requesterUser: identity.user ?? null,
    server,
    method: key.method,
    name: key.name,
    argsDigest: key.argsDigest,
    preview: clip(JSON.stringify(preview ?? {}), MAX_PREVIEW_CHARS),
    justification: typeof maskedWhy === 'string' ? clip(maskedWhy, MAX_JUSTIFICATION_CHARS) : null,
    rule: spec.rule,
    reason: need.reason,
    approvers: [...spec.approvers],
    quorum: spec.quorum,
    grantForSeconds: spec.grantForSeconds ?? null,
    createdAt: now,
    expiresAt: now + spec.timeoutSeconds * 1000,
    taskId: null,
    requestId: ex.id,
  });
  log('info', 'approval requested', {
    requestId: ex.id,
    approvalId: record.id,
    rule: record.rule,
    server,
    name: record.name,
    requester: record.requester,
  });
  deps.notify(record, deps.link(record.id));
  return record;
}

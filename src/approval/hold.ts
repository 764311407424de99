import { GatewayError } from '../core/errors.ts';
import type { ApprovalNeed, Exchange, Identity } from '../core/exchange.ts';
import type { JsonRpcId, JsonRpcMessage } from '../core/jsonrpc.ts';
import type { ApprovalRecord } from '../store/index.ts';
import { sendProgressWhileHeld, startSseAnswer } from './hold-sse.ts';
import { callKey, openRequest } from './requests.ts';
import type { ApprovalTasks } from './tasks.ts';
import type { ApprovalDeps } from './types.ts';
import type { DecisionWatch } from './watch.ts';

// The approve step (docs/policy.md, "Approval"). When authorize decided `approve`, the call
// passes only with a grant for exactly this call: same requester, server, tool and argument
// digest. A usable grant lets it through at once (a one-call grant is used up by it); otherwise
// the pending request for this call is joined or a new one opened, and the call waits:
//
//   - 2026-07-28 with the tasks extension declared: a task is returned at once (tasks.ts);
//   - otherwise the POST stays open — as an SSE stream with progress notifications when the
//     request carries a progress token — until the request is granted (the call then goes on to
//     the upstream), denied, or expired (a JSON-RPC error naming the approval id).
//
// While held, a revocation of the requester ends the call (Exchange.cancel), a drain ends it
// (the request stays pending), and a client that goes away leaves the request pending: the same
// call made again after the grant goes through.

function progressTokenOf(msg: JsonRpcMessage): JsonRpcId | undefined {
  const meta = msg.params?._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/** MRTR (2026-07-28): the retry of a call that asked for input carries `inputResponses`. */
function isContinuation(msg: JsonRpcMessage): boolean {
  return msg.params !== undefined && Object.hasOwn(msg.params, 'inputResponses');
}

function ended(a: ApprovalRecord): GatewayError {
  const data = { approvalId: a.id };
  switch (a.status) {
    case 'denied':
      return new GatewayError('CUSTOS_APPROVAL_DENIED', { detail: `approval ${a.id} was denied`, data });
    case 'used':
      return new GatewayError('CUSTOS_APPROVAL_REQUIRED', {
        detail: `approval ${a.id} was granted for one call, and another call used it`,
        data,
      });
    case 'withdrawn':
      return new GatewayError('CUSTOS_APPROVAL_EXPIRED', { detail: `approval ${a.id} was withdrawn`, data });
    default:
      return new GatewayError('CUSTOS_APPROVAL_EXPIRED', {
        detail: `approval ${a.id} was not given in time; call again to ask anew`,
        data,
      });
  }
}

export function createHoldStep(
  deps: ApprovalDeps,
  watch: DecisionWatch,
  tasks: ApprovalTasks,
): (ex: Exchange) => void | Promise<void> {
  const { store } = deps;

  /** Waits until the request is no longer pending (or the exchange must end); returns it. */
  async function wait(ex: Exchange, first: ApprovalRecord): Promise<ApprovalRecord> {
    const msg = ex.messages[0] as JsonRpcMessage;
    const token = progressTokenOf(msg);
    let stopped: GatewayError | 'gone' | undefined;
    let waiting: { cancel(): void } | undefined;
    const stop = (why: GatewayError | 'gone'): void => {
      stopped ??= why;
      waiting?.cancel();
    };
    // Revocation (src/gateway/auth.ts) ends a held call like any other in-flight exchange.
    ex.cancel = (err) => stop(err);
    const onClose = (): void => {
      if (!ex.res.writableEnded) stop('gone');
    };
    ex.res.once('close', onClose);
    const drain = {
      end: () =>
        stop(
          new GatewayError('CUSTOS_SHUTTING_DOWN', {
            retryAfter: 5,
            detail: `approval ${first.id} stays pending; call again`,
            data: { approvalId: first.id },
          }),
        ),
    };
    ex.ctx.longLived.add(drain);
    let current = first;
    let stopProgress: (() => void) | undefined;
    if (token !== undefined) {
      startSseAnswer(ex);
      stopProgress = sendProgressWhileHeld(ex, token, first.expiresAt, deps.progressIntervalMs, () => {
        const grants = store.listApprovalVotes(current.id).filter((v) => v.vote === 'grant').length;
        return `Waiting for approval ${current.id} by ${current.approvers.join(', ')} (${grants} of ${current.quorum})`;
      });
    }
    try {
      for (;;) {
        const w = watch.next(first.id, first.expiresAt);
        waiting = w;
        current = store.getApproval(first.id) ?? current;
        if (stopped !== undefined || current.status !== 'pending') {
          w.cancel();
          break;
        }
        const now = Date.now();
        if (current.expiresAt <= now) {
          w.cancel();
          if (store.expireApproval(current.id, now)) watch.wake(current.id);
          continue;
        }
        await w.changed;
      }
    } finally {
      waiting = undefined;
      stopProgress?.();
      ex.cancel = undefined;
      ex.res.off('close', onClose);
      ex.ctx.longLived.delete(drain);
    }
    if (stopped === 'gone') {
      throw new GatewayError('CUSTOS_APPROVAL_REQUIRED', {
        detail: `the client went away; approval ${first.id} stays pending`,
        data: { approvalId: first.id },
      });
    }
    if (stopped !== undefined) throw stopped;
    return current;
  }

  async function hold(ex: Exchange, need: ApprovalNeed): Promise<void> {
    const identity = ex.identity as Identity;
    const msg = ex.messages[0] as JsonRpcMessage;
    const replay = tasks.replayOf(ex);
    if (replay !== undefined) {
      // A task's granted call, run by a poll (tasks.ts): its grant is this task's.
      const a = store.getApproval(replay.approvalId);
      if (a?.status === 'granted')
        store.useGrant(a.id, Date.now(), identity.subject, { requestId: ex.id, task: true });
      else if (a?.status !== 'used')
        throw ended(a ?? ({ id: replay.approvalId, status: 'expired' } as ApprovalRecord));
      ex.approvalId = replay.approvalId;
      return;
    }
    const key = callKey(identity, ex.upstream.name, need);
    const now = Date.now();
    const grant = store.findUsableGrant(key, now);
    if (grant && store.useGrant(grant.id, now, identity.subject, { requestId: ex.id })) {
      ex.approvalId = grant.id;
      return;
    }
    if (isContinuation(msg)) {
      // The same call answering the input its upstream asked for: part of the call that was granted.
      const used = store.findUsedGrant(key, now);
      if (used) {
        store.appendApprovalEvent({
          approvalId: used.id,
          kind: 'used',
          at: now,
          actor: identity.subject,
          detail: JSON.stringify({ requestId: ex.id, continuation: true }),
        });
        ex.approvalId = used.id;
        return;
      }
    }
    const request = await openRequest(deps, ex, need, key);
    ex.approvalId = request.id;
    if (tasks.wanted(ex)) {
      tasks.answerCreated(ex, request);
      return;
    }
    const decided = await wait(ex, request);
    if (decided.status !== 'granted') throw ended(decided);
    if (!store.useGrant(decided.id, Date.now(), identity.subject, { requestId: ex.id }))
      throw ended(store.getApproval(decided.id) ?? decided);
  }

  return (ex) => {
    // Costs nothing for calls no `approve` rule decided.
    const need = ex.approvalNeed;
    if (need === undefined) return;
    return hold(ex, need);
  };
}

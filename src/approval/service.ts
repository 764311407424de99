import { createDecisions } from './decisions.ts';
import { createHoldStep } from './hold.ts';
import { createApprovalTasks } from './tasks.ts';
import type { ApprovalDeps, GatewayApprovals } from './types.ts';
import { createDecisionWatch } from './watch.ts';

/** Builds the approval flow over the store (docs/policy.md, "Approval"); once at boot. */
export function createApprovals(deps: ApprovalDeps): GatewayApprovals {
  const watch = createDecisionWatch(deps.store, deps.pollMs ?? 200);
  const tasks = createApprovalTasks(deps.store, watch);
  const decisions = createDecisions(deps, watch);
  return {
    hold: createHoldStep(deps, watch, tasks),
    resume: (ex) => tasks.resume(ex),
    ...decisions,
    close: () => watch.close(),
  };
}

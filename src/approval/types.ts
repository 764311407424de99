// The approval flow's contracts (docs/policy.md, "Approval"): what the gateway builds at boot,
// what the admin API and the CLI see of a request, and what the notifier is given.

import type { Exchange, Identity } from '../core/exchange.ts';
import type { ApprovalRecord, ApprovalStatus, ApprovalStore } from '../store/index.ts';

/** One request as an approver (or its requester) sees it: never raw argument values. */
export interface ApprovalView {
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly requester: string;
  readonly requesterUser: string | null;
  readonly server: string;
  readonly method: string;
  /** The tool or prompt name, or the resource URI. */
  readonly name: string | null;
  readonly argsDigest: string;
  /** The arguments, masked. */
  readonly preview: unknown;
  readonly justification: string | null;
  readonly rule: string;
  readonly reason: string | null;
  readonly approvers: readonly string[];
  readonly quorum: number;
  readonly grants: number;
  readonly votes: readonly {
    readonly approver: string;
    readonly vote: 'grant' | 'deny';
    readonly reason: string | null;
    readonly at: string;
  }[];
  readonly grantForSeconds: number | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedAt: string | null;
  readonly usableUntil: string | null;
  readonly uses: number;
  /** Where a person decides (the console, or this request in the admin API). */
  readonly link: string;
  /** What the caller may do with it. */
  readonly canDecide: boolean;
}

export type Vote = 'grant' | 'deny';

/** Everything the approval flow adds to a running gateway, built once at boot. */
export interface GatewayApprovals {
  /** The approve step: holds a call an `approve` rule decided until it is granted (or fails). */
  hold(ex: Exchange): void | Promise<void>;
  /**
   * Runs before authorize: a tasks/get, tasks/update or tasks/cancel for a task this gateway
   * created (2026-07-28 tasks extension) is answered here, or, once granted, turned back into the
   * call it stands for.
   */
  resume(ex: Exchange): undefined | (() => void);
  /** Requests the caller may see: those it may decide, its own, or all for an admin. */
  list(caller: Identity, query?: { status?: ApprovalStatus; limit?: number }): ApprovalView[];
  /** One request; throws CUSTOS_NOT_FOUND when it does not exist or the caller may not see it. */
  show(caller: Identity, id: string): ApprovalView;
  /** One approver's vote; throws CUSTOS_SELF_APPROVAL, CUSTOS_FORBIDDEN, CUSTOS_APPROVAL_DECIDED … */
  decide(caller: Identity, id: string, vote: Vote, reason: string | undefined): ApprovalView;
  close(): void;
}

export interface ApprovalDeps {
  readonly store: ApprovalStore;
  /** A masked copy of a value (the server's masking profile, else the built-in default). */
  readonly mask: (server: string, tool: string | undefined, value: unknown) => Promise<unknown>;
  /** Posts a new request to the configured webhook; never throws, never blocks. */
  readonly notify: (approval: ApprovalRecord, link: string) => void;
  /** The link to decide a request: `<console or admin API base>/<id>`. */
  readonly link: (id: string) => string;
  /** A held call whose client sent a progress token gets a progress notification this often. */
  readonly progressIntervalMs: number;
  /** Members may see every request (deciding still needs an approver group). */
  readonly adminGroups: readonly string[];
  /** How often decisions made by other processes are looked for (default 200 ms). */
  readonly pollMs?: number;
}

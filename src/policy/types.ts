// The policy engine's data: what goes in (a request as the gateway sees it), what comes out (a
// decision), and the compiled form of a policy file. Decisions are plain data (STYLE.md §3):
// turning one into a JSON-RPC error or an approval request is the gateway's job.

import type { Identity } from '../identity/types.ts';
import type { Condition } from './cel.ts';
import type { GlobSet } from './glob.ts';

export type Effect = 'allow' | 'deny' | 'approve';
export type Era = 'legacy' | 'modern';

/** One request to decide on. `args` are the tool arguments / request params, from the body. */
export interface PolicyInput {
  readonly identity: Identity;
  /** The route's server name (from config, not from the client). */
  readonly server: string;
  readonly method: string;
  /** The tool or prompt name, or the resource URI. */
  readonly name?: string | undefined;
  readonly args?: unknown;
  readonly era: Era;
  /** Request headers (any case); rules see them lower-cased as `request.headers`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** ms since epoch; defaults to Date.now(). */
  readonly now?: number | undefined;
}

/** Who approves an `approve` rule's calls. Kept as data: the approval flow is built elsewhere. */
export interface ApprovalSpec {
  readonly rule: string;
  readonly approvers: readonly string[];
  readonly quorum: number;
  readonly timeoutSeconds: number;
  /** A grant covers the same call (identity, tool, argument digest) this long; undefined: one call. */
  readonly grantForSeconds: number | undefined;
  readonly justification:
    | { readonly argument?: string | undefined; readonly header?: string | undefined }
    | undefined;
}

export interface RateLimitSpec {
  readonly rule: string;
  readonly calls: number;
  readonly perSeconds: number;
  readonly by: 'identity' | 'identity+tool';
}

export interface DryRunMatch {
  readonly rule: string;
  /** What the rule would have done (`deny` when its condition failed to evaluate). */
  readonly effect: Effect;
  readonly error?: string;
}

export interface Decision {
  readonly effect: Effect;
  /** The rule that decided: a rule id, `default-deny` or `protocol`. */
  readonly rule: string;
  readonly reason: string;
  /** Dry-run rules that matched: logged, never enforced. */
  readonly dryRun: readonly DryRunMatch[];
  /** Present when effect is `approve`: from the deciding rule. */
  readonly approval?: ApprovalSpec;
  /** Present when allow/approve and a matching rule is rate-limited: every such limit applies. */
  readonly rateLimits?: readonly RateLimitSpec[];
}

export type NameKind = 'tools' | 'prompts' | 'resources';

export interface SubjectMatcher {
  readonly subjects: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly attributes: readonly (readonly [string, string])[];
}

export interface CompiledRule {
  readonly id: string;
  /** Position in the file, for messages (`rules[3]`). */
  readonly index: number;
  readonly effect: Effect;
  readonly dryRun: boolean;
  readonly description: string | undefined;
  /** null: any server / method / subject. */
  readonly servers: GlobSet | null;
  readonly methods: GlobSet | null;
  /** null: the rule names no tools, prompts or resources, so any name (or none) matches. */
  readonly names: Readonly<Record<NameKind, GlobSet | null>> | null;
  readonly subjects: SubjectMatcher | null;
  readonly when: Condition | null;
  readonly approval: ApprovalSpec | undefined;
  readonly rateLimit: RateLimitSpec | undefined;
}

/** The rules that can apply to one (server, method) pair, split by effect, in file order. */
export interface RuleBucket {
  readonly deny: readonly CompiledRule[];
  readonly approve: readonly CompiledRule[];
  readonly allow: readonly CompiledRule[];
  /** Enforced allow/approve rules carrying a rate limit. */
  readonly limited: readonly CompiledRule[];
  readonly dryRun: readonly CompiledRule[];
}

export interface CompiledPolicy {
  readonly source: string;
  readonly rules: readonly CompiledRule[];
  /** `allow`: MCP housekeeping methods (PROTOCOL_METHODS) are allowed when no rule matches. */
  readonly protocolMethods: 'allow' | 'policy';
  /** Candidate rules for a request, found by exact server and method (rule-index.ts). */
  bucketFor(server: string, method: string): RuleBucket;
}

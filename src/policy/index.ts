// The policy step: compile at boot, decide per request (docs/policy.md). Named exports only.

export type { CallerSpec, CaseResult, PolicyCase } from './cases.ts';
export { callerIdentity, caseInput, parseCases, runPolicyCases } from './cases.ts';
export { compilePolicy, loadPolicyFile, readYamlFile } from './compile.ts';
export { PolicyError } from './errors.ts';
export { evaluatePolicy, isProtocolMethod, PROTOCOL_METHODS } from './evaluate.ts';
export type { Explanation, RuleTrace } from './explain.ts';
export { explainPolicy } from './explain.ts';
export type { FilterOptions, ListItem, ListMethod } from './filter-list.ts';
export { filterList, isVisible } from './filter-list.ts';
export type { PinComparison, ToolDescriptor } from './fingerprint.ts';
export { canonicalJson, comparePins, toolFingerprint } from './fingerprint.ts';
export type { RateLimiter, RateLimitResult } from './rate-limit.ts';
export { createRateLimiter } from './rate-limit.ts';
export type {
  ApprovalSpec,
  CompiledPolicy,
  Decision,
  DryRunMatch,
  Effect,
  Era,
  PolicyInput,
  RateLimitSpec,
} from './types.ts';

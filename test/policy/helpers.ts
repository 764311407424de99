import { parse } from 'yaml';
import type { Identity } from '../../src/identity/types.ts';
import type { CompiledPolicy, Decision, PolicyInput } from '../../src/policy/index.ts';
import { compilePolicy, evaluatePolicy } from '../../src/policy/index.ts';
import { fakeIdentity } from '../helpers/identity.ts';

/** Compiles a policy written as YAML text, the way people write it. */
export function policyOf(yaml: string, source = 'policy.yaml'): CompiledPolicy {
  return compilePolicy(parse(yaml), source);
}

export function who(subject: string, groups: string[] = [], over: Partial<Identity> = {}): Identity {
  return fakeIdentity({ subject, groups, ...over });
}

/** A tools/call on server `crm` unless `over` says otherwise. */
export function call(
  policy: CompiledPolicy,
  identity: Identity,
  name: string,
  over: Partial<PolicyInput> = {},
): Decision {
  return evaluatePolicy(policy, {
    identity,
    server: 'crm',
    method: 'tools/call',
    name,
    args: {},
    era: 'modern',
    ...over,
  });
}

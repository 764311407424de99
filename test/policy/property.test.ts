import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  compilePolicy,
  type Decision,
  evaluatePolicy,
  explainPolicy,
  filterList,
  type PolicyInput,
} from '../../src/policy/index.ts';
import { who } from './helpers.ts';

// Random rule sets over a small vocabulary, so rules overlap often.
const CONDITIONS = [
  'true',
  'false',
  'args.n > 5',
  'has(args.n) && args.n > 5',
  '"ops" in identity.groups',
  'request.server == "crm"',
  'args.s.startsWith("x")',
  'now.getHours("UTC") < 12',
];

const ruleArb = fc.record(
  {
    effect: fc.constantFrom('allow', 'deny', 'approve'),
    servers: fc.subarray(['crm', 'files', 'c*', '*']),
    tools: fc.subarray(['a', 'b', 'c', 'a*', '*']),
    groups: fc.subarray(['ops', 'dev', 'support']),
    when: fc.option(fc.constantFrom(...CONDITIONS), { nil: undefined }),
    dryRun: fc.boolean(),
  },
  { requiredKeys: ['effect', 'servers', 'tools', 'groups', 'dryRun'] },
);

type RuleSpec = typeof ruleArb extends fc.Arbitrary<infer T> ? T : never;
type InputSpec = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function toDoc(rules: readonly RuleSpec[]): unknown {
  return {
    rules: rules.map((r, i) => ({
      id: `r${i}`,
      effect: r.effect,
      servers: r.servers,
      tools: r.tools,
      subjects: r.groups.map((group) => ({ group })),
      ...(r.when === undefined ? {} : { when: r.when }),
      dryRun: r.dryRun,
      ...(r.effect === 'approve' ? { approval: { approvers: ['dpo'] } } : {}),
    })),
  };
}

const inputArb = fc.record({
  server: fc.constantFrom('crm', 'files', 'cms', 'other'),
  name: fc.constantFrom('a', 'ab', 'b', 'c', 'zz'),
  groups: fc.subarray(['ops', 'dev', 'support']),
  args: fc.constantFrom({}, { n: 1 }, { n: 9 }, { s: 'xy' }, { s: 'y', n: 7 }),
  now: fc.integer({ min: 0, max: 4_000_000_000_000 }),
});

function inputOf(x: InputSpec): PolicyInput {
  return {
    identity: who('corp:p', x.groups),
    server: x.server,
    method: 'tools/call',
    name: x.name,
    args: x.args,
    era: 'modern',
    now: x.now,
  };
}

/** The combination rule, computed the slow way from explain's per-rule trace (no index). */
function reference(
  input: PolicyInput,
  policy: ReturnType<typeof compilePolicy>,
): Pick<Decision, 'effect' | 'rule'> {
  const trace = explainPolicy(policy, input).rules.filter((r) => !r.dryRun);
  const hit = (effect: string) => trace.find((r) => r.effect === effect && r.outcome === 'matched');
  const failed = trace.find((r) => r.effect !== 'allow' && r.outcome === 'error');
  const deny = trace.find((r) => r.effect === 'deny' && r.outcome !== 'skipped');
  if (deny) return { effect: 'deny', rule: deny.rule };
  if (failed) return { effect: 'deny', rule: failed.rule };
  const approve = hit('approve');
  if (approve) return { effect: 'approve', rule: approve.rule };
  const allow = hit('allow');
  if (allow) return { effect: 'allow', rule: allow.rule };
  return { effect: 'deny', rule: 'default-deny' };
}

test('property: a matching enforced deny always wins over allow (and approve)', () => {
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 12 }), inputArb, (rules, raw) => {
      const policy = compilePolicy(toDoc(rules), 'random.yaml');
      const input = inputOf(raw);
      const trace = explainPolicy(policy, input).rules;
      const denyMatched = trace.some((r) => r.effect === 'deny' && !r.dryRun && r.outcome === 'matched');
      const d = evaluatePolicy(policy, input);
      if (denyMatched) assert.equal(d.effect, 'deny');
      if (d.effect === 'allow')
        assert.ok(!trace.some((r) => !r.dryRun && r.effect !== 'allow' && r.outcome !== 'skipped'));
    }),
    { numRuns: 500 },
  );
});

test('property: the indexed evaluation equals the combination rule applied to every rule', () => {
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 12 }), inputArb, (rules, raw) => {
      const policy = compilePolicy(toDoc(rules), 'random.yaml');
      const input = inputOf(raw);
      const d = evaluatePolicy(policy, input);
      assert.deepEqual({ effect: d.effect, rule: d.rule }, reference(input, policy));
    }),
    { numRuns: 500 },
  );
});

test('property: filterList never hides a tool that some arguments would allow or approve', () => {
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 12 }), inputArb, (rules, raw) => {
      const policy = compilePolicy(toDoc(rules), 'random.yaml');
      const input = inputOf(raw);
      const d = evaluatePolicy(policy, input);
      const listed = filterList(policy, input.identity, input.server, 'tools/list', [{ name: raw.name }], {
        era: 'modern',
        now: raw.now,
      });
      if (d.effect !== 'deny') assert.equal(listed.length, 1, `${d.rule} ${d.effect} but hidden`);
    }),
    { numRuns: 500 },
  );
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadPolicyFile, PolicyError } from '../../src/policy/index.ts';
import { tempFile } from '../helpers/cli.ts';
import { policyOf } from './helpers.ts';

/** The PolicyError issues for a policy text. */
function issues(yaml: string): readonly string[] {
  try {
    policyOf(yaml);
  } catch (err) {
    assert.ok(err instanceof PolicyError, String(err));
    return err.issues;
  }
  assert.fail('the policy compiled');
}

test('an unknown key names file, rule index, key and rule id', () => {
  assert.deepEqual(issues('rules:\n  - { id: a, effect: allow, efect: deny }\n'), [
    "policy.yaml: rules[0]: unknown key 'efect' (rule 'a')",
  ]);
  assert.deepEqual(issues('rule: []\n'), ["policy.yaml: (top level): unknown key 'rule'"]);
});

test('an unknown variable or field in when is a boot error naming rules[i].when', () => {
  const yaml = `rules:
  - { id: a, effect: allow }
  - { id: b, effect: allow }
  - { id: c, effect: allow }
  - { id: export-needs-dpo, effect: deny, when: 'tool.nme == "x"' }
  - { id: e, effect: deny, when: 'identity.grups == []' }
  - { id: f, effect: deny, when: 'request.nme == ""' }
`;
  assert.deepEqual(issues(yaml), [
    "policy.yaml: rules[3].when: unknown variable 'tool.nme' (rule 'export-needs-dpo')",
    "policy.yaml: rules[4].when: unknown field 'identity.grups' (rule 'e')",
    "policy.yaml: rules[5].when: unknown field 'request.nme' (rule 'f')",
  ]);
});

test('bad CEL: syntax, type errors and non-boolean results', () => {
  const got = issues(`rules:
  - { id: a, effect: deny, when: '1 +' }
  - { id: b, effect: deny, when: 'identity.subject + 1 == 2' }
  - { id: c, effect: deny, when: 'identity.subject' }
`);
  assert.match(got[0] ?? '', /^policy\.yaml: rules\[0\]\.when: invalid CEL: .*column \d+ \(rule 'a'\)$/);
  assert.match(got[1] ?? '', /^policy\.yaml: rules\[1\]\.when: no such overload: string \+ int/);
  assert.equal(
    got[2],
    "policy.yaml: rules[2].when: must be a boolean expression, this one is a 'string' (rule 'c')",
  );
});

test('bad globs are named by list and position', () => {
  assert.deepEqual(
    issues(`rules:
  - { id: a, effect: allow, tools: [ok, 'x{1,2}', 'a**'], servers: ['[crm]'], methods: ['tools/*\\'] }
`),
    [
      "policy.yaml: rules[0].tools[1]: bad glob: 'x{1,2}': '{' is reserved (escape it as '\\{') (rule 'a')",
      "policy.yaml: rules[0].tools[2]: bad glob: 'a**': '**' is not supported ('*' already matches '/') (rule 'a')",
      "policy.yaml: rules[0].servers[0]: bad glob: '[crm]': '[' is reserved (escape it as '\\[') (rule 'a')",
      "policy.yaml: rules[0].methods[0]: bad glob: 'tools/*\\' ends with a lone '\\' (rule 'a')",
    ],
  );
  assert.deepEqual(issues("rules:\n  - { id: a, effect: allow, tools: [''] }\n"), [
    "policy.yaml: rules[0].tools[0]: must not be empty (rule 'a')",
  ]);
});

test('duplicate ids and reserved ids', () => {
  assert.deepEqual(issues('rules:\n  - { id: a, effect: allow }\n  - { id: a, effect: deny }\n'), [
    "policy.yaml: rules[1].id: duplicate id 'a' (first at rules[0]) (rule 'a')",
  ]);
  assert.match(
    issues('rules:\n  - { id: default-deny, effect: allow }\n')[0] ?? '',
    /rules\[0\]\.id: is reserved/,
  );
  assert.match(issues('rules:\n  - { effect: allow }\n')[0] ?? '', /rules\[0\]\.id: /);
});

test('approval, rate limit and subject shapes are checked', () => {
  const got = issues(`rules:
  - { id: a, effect: approve }
  - { id: b, effect: allow, approval: { approvers: [dpo] } }
  - { id: c, effect: deny, rateLimit: { calls: 5, per: 1h } }
  - { id: d, effect: allow, rateLimit: { calls: 0, per: 1x } }
  - { id: e, effect: allow, subjects: [{ group: x, user: y }, { attribute: repository }] }
  - { id: f, effect: approve, approval: { approvers: [] } }
`);
  assert.deepEqual(got, [
    "policy.yaml: rules[0].approval: required when effect is 'approve' (rule 'a')",
    "policy.yaml: rules[1].approval: only for effect 'approve' (rule 'b')",
    "policy.yaml: rules[2].rateLimit: a deny rule has nothing to rate-limit (rule 'c')",
    "policy.yaml: rules[3].rateLimit.calls: Too small: expected number to be >0 (rule 'd')",
    "policy.yaml: rules[3].rateLimit.per: a duration like '30s', '15m', '1h' or '2d', got '1x' (rule 'd')",
    "policy.yaml: rules[4].subjects[0]: exactly one of subject, user, group or attribute (rule 'e')",
    "policy.yaml: rules[4].subjects[1]: 'attribute' and 'equals' go together (rule 'e')",
    "policy.yaml: rules[5].approval.approvers: name at least one approver group (rule 'f')",
  ]);
});

test('durations and approval defaults compile to seconds', () => {
  const p = policyOf(`rules:
  - id: x
    effect: approve
    approval: { approvers: [dpo], grantFor: 1h30m }
    rateLimit: { calls: 5, per: 2d }
`);
  const r = p.rules[0]!;
  assert.deepEqual(r.approval, {
    rule: 'x',
    approvers: ['dpo'],
    quorum: 1,
    timeoutSeconds: 900,
    grantForSeconds: 5400,
    justification: undefined,
  });
  assert.deepEqual(r.rateLimit, { rule: 'x', calls: 5, perSeconds: 172_800, by: 'identity+tool' });
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.rules) && Object.isFrozen(r));
});

test('loadPolicyFile names the file for YAML, read and schema errors', () => {
  const file = tempFile('policy.yaml', 'rules:\n  - { id: a, effect: allow, when: "tool.nme" }\n');
  assert.throws(() => loadPolicyFile(file), {
    name: 'PolicyError',
    message: `${file}: rules[0].when: unknown variable 'tool.nme' (rule 'a')`,
  });
  writeFileSync(file, 'rules:\n  - id: a\n    id: b\n');
  assert.throws(
    () => loadPolicyFile(file),
    (err: Error) => err.message.startsWith(`${file}: `),
  );
  assert.throws(() => loadPolicyFile(`${file}.missing`), { message: `${file}.missing: cannot read: ENOENT` });
});

test('the documented example compiles', () => {
  const p = loadPolicyFile(new URL('./fixtures/example.yaml', import.meta.url).pathname);
  assert.equal(p.rules.length, 7);
});

test('docs/policy.md shows the same example as the fixture', () => {
  const md = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
  const block = /## A full example[\s\S]*?```yaml\n([\s\S]*?)```/.exec(md)?.[1];
  assert.ok(block, 'the example block');
  const fixture = readFileSync(new URL('./fixtures/example.yaml', import.meta.url), 'utf8');
  assert.deepEqual(parse(block), parse(fixture));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPolicyCommand } from '../../src/cli/policy.ts';
import { tempFile } from '../helpers/cli.ts';

const EXAMPLE = new URL('./fixtures/example.yaml', import.meta.url).pathname;

/** Runs `custos policy …` in-process and captures its output. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPolicyCommand(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

test('check: ok with a summary, or exit 1 with every issue', async () => {
  const ok = await run('check', '--policy', EXAMPLE);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /ok, 7 rules \(4 allow, 1 approve, 2 deny; 1 dry-run\)/);
  const bad = tempFile(
    'policy.yaml',
    'rules:\n  - { id: a, effect: allow, when: "tool.nme == 1" }\n  - { id: a, effect: deny }\n',
  );
  const r = await run('check', '--policy', bad);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `${bad}: rules[0].when: unknown variable 'tool.nme' (rule 'a')\n${bad}: rules[1].id: duplicate id 'a' (first at rules[0]) (rule 'a')\n`,
  );
});

test('explain: the decision, the deciding rule and why each rule did or did not match', async () => {
  const r = await run(
    'explain',
    '--policy',
    EXAMPLE,
    '--as',
    'corp:alice',
    '--group',
    'support',
    '--server',
    'crm',
    '--tool',
    'delete_customer',
    '--args',
    '{"id": 7}',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^decision {2}deny by rule 'no-deletes'\n/);
  assert.match(r.stdout, /reason {4}Deletes are reserved for the dba group/);
  assert.match(r.stdout, /request {3}corp:alice \(groups support\) → crm tools\/call 'delete_customer'/);
  assert.match(r.stdout, /\* no-deletes +deny +when is true: !\("dba" in identity\.groups\)/);
  assert.match(
    r.stdout,
    /- dba-deletes +allow +corp:alice \(groups \[support\]\) is not one of \[group dba\]/,
  );
  assert.match(
    r.stdout,
    /- support-read +allow +'delete_customer' is not in tools \[search_customers, get_customer\]/,
  );
});

test('explain --json: machine-readable, with approval, limits, dry-run and failed conditions', async () => {
  const r = await run(
    'explain',
    '--policy',
    EXAMPLE,
    '--as',
    'corp:alice',
    '--group',
    'support',
    '--server',
    'crm',
    '--tool',
    'export_customers',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.decision.effect, 'approve');
  assert.equal(e.decision.rule, 'export-needs-dpo');
  assert.deepEqual(e.decision.approval.approvers, ['dpo']);
  assert.equal(e.decision.rateLimits[0].calls, 5);
  assert.equal(e.rules.find((x: { decided: boolean }) => x.decided).rule, 'export-needs-dpo');

  const ci = await run(
    'explain',
    '--policy',
    EXAMPLE,
    '--as',
    'gha:reporting',
    '--attr',
    'repository=example-org/reporting',
    '--server',
    'crm',
    '--tool',
    'search_customers',
    '--json',
  );
  const rules = JSON.parse(ci.stdout).rules as { rule: string; outcome: string; why: string }[];
  const failed = rules.find((x) => x.rule === 'reporting-ci');
  assert.equal(failed?.outcome, 'skipped', 'has() guards the missing argument');
  assert.match(failed?.why ?? '', /when is false/);
});

test('explain: usage errors exit 2', async () => {
  assert.equal((await run('explain', '--policy', EXAMPLE)).code, 2);
  assert.equal((await run('explain', '--policy', EXAMPLE, '--as', 'a', '--args', '[1]')).code, 2);
  assert.equal((await run('explain', '--policy', EXAMPLE, '--as', 'a', '--bogus')).code, 2);
  assert.equal((await run('nope')).code, 2);
  assert.equal((await run()).code, 2);
});

test('test: a table of expected decisions; failures listed and exit 1', async () => {
  const cases = tempFile(
    'cases.yaml',
    `- { as: { subject: 'corp:alice', groups: [support] }, server: crm, tool: search_customers, expect: allow }
- { as: { subject: 'corp:alice', groups: [support] }, server: crm, tool: export_customers, expect: approve, rule: export-needs-dpo }
- { as: corp:carol, server: crm, tool: delete_customer, expect: deny, rule: no-deletes }
- name: dba deletes one
  as: { subject: 'corp:dan', groups: [dba] }
  server: crm
  tool: delete_customer
  args: { id: 7 }
  expect: allow
- { as: { subject: 'gha:ci', attributes: { repository: example-org/reporting } }, server: crm, tool: search_customers, args: { limit: 50 }, expect: allow, rule: reporting-ci }
`,
  );
  const ok = await run('test', '--policy', EXAMPLE, cases);
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /5 passed, 0 failed\n$/);
  assert.match(ok.stdout, /ok {4}4 dba deletes one: allow by rule 'dba-deletes'/);

  const failing = tempFile(
    'cases.yaml',
    `cases:
  - { as: corp:carol, server: crm, tool: export_customers, expect: allow }
  - { as: { subject: 'corp:alice', groups: [support] }, server: crm, tool: search_customers, expect: allow, rule: other }
  - { as: corp:carol, server: crm, tool: x, expect: deny }
`,
  );
  const r = await run('test', '--policy', EXAMPLE, failing);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /FAIL {2}1 corp:carol tools\/call export_customers on crm: expected allow, got deny by rule 'default-deny'/,
  );
  assert.match(r.stdout, /FAIL {2}2 .*expected allow by rule 'other', got allow by rule 'support-read'/);
  assert.match(r.stdout, /1 passed, 2 failed\n$/);
  const json = JSON.parse((await run('test', '--policy', EXAMPLE, failing, '--json')).stdout);
  assert.equal(json.failed, 2);
});

test('test: a malformed cases file names file and case', async () => {
  const cases = tempFile(
    'cases.yaml',
    '- { as: a, server: crm, tool: t, expect: maybe }\n- { as: a, sever: crm, expect: allow }\n',
  );
  const r = await run('test', '--policy', EXAMPLE, cases);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${cases}: \\[0\\]\\.expect: `));
  assert.match(r.stderr, new RegExp(`${cases}: \\[1\\]: unknown key 'sever'`));
});

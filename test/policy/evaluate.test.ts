import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluatePolicy, loadPolicyFile } from '../../src/policy/index.ts';
import { call, policyOf, who } from './helpers.ts';

const alice = who('corp:alice', ['support']);

test('default deny: nothing matches, the decision names default-deny', () => {
  const empty = policyOf('rules: []');
  assert.deepEqual(call(empty, alice, 'search'), {
    effect: 'deny',
    rule: 'default-deny',
    reason: "no rule allows tools/call 'search' on 'crm'",
    dryRun: [],
  });
  const p = policyOf('rules:\n  - { id: a, effect: allow, tools: [search] }\n');
  assert.equal(call(p, alice, 'delete').rule, 'default-deny');
  assert.equal(call(p, alice, 'search', { method: 'prompts/get' }).rule, 'default-deny');
});

test('protocol methods pass unless a rule says otherwise, or protocolMethods: policy', () => {
  const p = policyOf(
    'rules:\n  - { id: no-lists-for-bots, effect: deny, methods: [tools/list], subjects: [{ group: bots }] }\n',
  );
  for (const method of [
    'initialize',
    'ping',
    'tools/list',
    'notifications/initialized',
    'resources/templates/list',
  ]) {
    assert.equal(call(p, alice, '', { method, name: undefined }).rule, 'protocol', method);
  }
  assert.equal(call(p, who('svc:bot', ['bots']), '', { method: 'tools/list' }).rule, 'no-lists-for-bots');
  assert.equal(call(p, alice, 'x', { method: 'completion/complete' }).rule, 'default-deny');
  const strict = policyOf('protocolMethods: policy\nrules: []\n');
  assert.equal(call(strict, alice, '', { method: 'initialize', name: undefined }).rule, 'default-deny');
});

test('deny overrides approve overrides allow, whatever the file order', () => {
  const rules = [
    '  - { id: al, effect: allow, tools: [t] }',
    '  - { id: ap, effect: approve, tools: [t], approval: { approvers: [dpo] } }',
    '  - { id: de, effect: deny, tools: [t] }',
  ];
  for (const order of [
    [0, 1, 2],
    [2, 1, 0],
    [1, 0, 2],
  ]) {
    const all = policyOf(`rules:\n${order.map((i) => rules[i]).join('\n')}\n`);
    assert.equal(call(all, alice, 't').rule, 'de');
    const noDeny = policyOf(
      `rules:\n${order
        .filter((i) => i !== 2)
        .map((i) => rules[i])
        .join('\n')}\n`,
    );
    const d = call(noDeny, alice, 't');
    assert.equal(d.effect, 'approve');
    assert.equal(d.rule, 'ap');
    assert.deepEqual(d.approval?.approvers, ['dpo']);
  }
});

test('within one effect the first matching rule in file order decides', () => {
  const p = policyOf(`rules:
  - { id: first, effect: allow, tools: ['s*'], description: the first }
  - { id: second, effect: allow, tools: [search] }
`);
  assert.deepEqual(call(p, alice, 'search'), {
    effect: 'allow',
    rule: 'first',
    reason: 'the first',
    dryRun: [],
  });
});

test('globs on servers, methods, tools, prompts and resources', () => {
  const p = policyOf(`rules:
  - { id: any-crm, effect: allow, servers: ['crm-*'], methods: ['tools/*'] }
  - { id: reports, effect: allow, servers: [files], resources: ['file:///reports/*'] }
  - { id: prompt, effect: allow, servers: [files], prompts: ['summar?'] }
  - { id: star, effect: allow, servers: [lit], tools: ['a\\*b'] }
`);
  assert.equal(call(p, alice, 'anything', { server: 'crm-eu' }).rule, 'any-crm');
  assert.equal(call(p, alice, 'anything', { server: 'crm' }).rule, 'default-deny');
  assert.equal(call(p, alice, 'x', { server: 'crm-eu', method: 'prompts/get' }).rule, 'default-deny');
  const read = { server: 'files', method: 'resources/read' };
  assert.equal(call(p, alice, 'file:///reports/2026/q1.pdf', read).rule, 'reports', '* crosses /');
  assert.equal(call(p, alice, 'file:///etc/passwd', read).rule, 'default-deny');
  assert.equal(
    call(p, alice, 'file:///reports/x', { ...read, method: 'resources/subscribe' }).rule,
    'reports',
  );
  assert.equal(call(p, alice, 'file:///reports/x', { ...read, method: 'tools/call' }).rule, 'default-deny');
  assert.equal(call(p, alice, 'summary', { server: 'files', method: 'prompts/get' }).rule, 'prompt');
  assert.equal(call(p, alice, 'summaries', { server: 'files', method: 'prompts/get' }).rule, 'default-deny');
  assert.equal(call(p, alice, 'a*b', { server: 'lit' }).rule, 'star');
  assert.equal(call(p, alice, 'axxb', { server: 'lit' }).rule, 'default-deny');
});

test('subjects: subject, user, group and workload attribute; empty means anyone', () => {
  const p = policyOf(`rules:
  - { id: by-subject, effect: allow, tools: [a], subjects: [{ subject: 'corp:alice' }] }
  - { id: by-user, effect: allow, tools: [b], subjects: [{ user: bob }] }
  - { id: by-group, effect: allow, tools: [c], subjects: [{ group: dba }, { group: sre }] }
  - id: by-repo
    effect: allow
    tools: [d]
    subjects: [{ attribute: repository, equals: example-org/reporting }]
  - { id: anyone, effect: allow, tools: [e], subjects: [] }
`);
  const bob = who('corp:42', [], { user: 'bob' });
  const ci = who('gha:repo:example-org/reporting', [], {
    method: 'github-actions',
    attributes: { repository: 'example-org/reporting' },
  });
  const otherCi = who('gha:x', [], { attributes: { repository: 'example-org/other' } });
  assert.equal(call(p, alice, 'a').rule, 'by-subject');
  assert.equal(call(p, bob, 'a').rule, 'default-deny');
  assert.equal(call(p, bob, 'b').rule, 'by-user');
  assert.equal(call(p, who('corp:bob'), 'b').rule, 'default-deny', 'user is not the subject');
  assert.equal(call(p, who('x', ['sre']), 'c').rule, 'by-group');
  assert.equal(call(p, alice, 'c').rule, 'default-deny');
  assert.equal(call(p, ci, 'd').rule, 'by-repo');
  assert.equal(call(p, otherCi, 'd').rule, 'default-deny');
  assert.equal(
    call(
      p,
      who('x', [], { attributes: JSON.parse('{"__proto__": {"repository": "example-org/reporting"}}') }),
      'd',
    ).rule,
    'default-deny',
  );
  assert.equal(call(p, who('anonymous', [], { method: 'none' }), 'e').rule, 'anyone');
});

test('CEL on arguments: JSON numbers compare with ints, a missing key fails closed', () => {
  const p = policyOf(`rules:
  - { id: big-export, effect: deny, tools: [export], when: 'args.rows > 1000' }
  - { id: export, effect: allow, tools: [export] }
  - { id: small, effect: allow, tools: [search], when: 'args.limit <= 100' }
`);
  assert.equal(call(p, alice, 'export', { args: { rows: 10 } }).rule, 'export');
  assert.equal(call(p, alice, 'export', { args: { rows: 5000 } }).rule, 'big-export');
  // Leaving the argument out must not dodge the deny: the upstream might default to "all rows".
  const missing = call(p, alice, 'export', { args: {} });
  assert.equal(missing.effect, 'deny');
  assert.equal(missing.rule, 'big-export');
  assert.match(
    missing.reason,
    /could not be evaluated, failing closed: 'args.rows > 1000': No such key: rows/,
  );
  assert.equal(call(p, alice, 'export', { args: { rows: 'lots' } }).effect, 'deny');
  // An erroring allow rule simply does not apply.
  const noLimit = call(p, alice, 'search', { args: {} });
  assert.equal(noLimit.rule, 'default-deny');
  assert.match(noLimit.reason, /rule 'small' did not apply: .*No such key: limit/);
  assert.equal(call(p, alice, 'search', { args: { limit: 50 } }).rule, 'small');
  assert.equal(call(p, alice, 'search', { args: { limit: 50.5 } }).rule, 'small');
  assert.equal(call(p, alice, 'search', { args: ['not', 'an', 'object'] }).rule, 'default-deny');
});

test('an approve rule whose condition fails denies rather than dropping to allow', () => {
  const p = policyOf(`rules:
  - { id: ok, effect: allow, tools: [pay] }
  - { id: big, effect: approve, tools: [pay], when: 'args.amount > 1000', approval: { approvers: [cfo] } }
`);
  assert.equal(call(p, alice, 'pay', { args: { amount: 5 } }).rule, 'ok');
  assert.equal(call(p, alice, 'pay', { args: { amount: 5000 } }).effect, 'approve');
  assert.deepEqual([call(p, alice, 'pay').effect, call(p, alice, 'pay').rule], ['deny', 'big']);
});

test('CEL on time, identity, request and headers', () => {
  const p = policyOf(`rules:
  - id: office-hours
    effect: allow
    tools: [deploy]
    when: 'now.getHours("UTC") >= 8 && now.getHours("UTC") < 18 && now.getDayOfWeek("UTC") != 0'
  - { id: scoped, effect: allow, tools: [read], when: '"crm.read" in identity.scopes && identity.issuer == "corp"' }
  - { id: modern-only, effect: allow, tools: [new], when: 'request.era == "modern" && request.server == "crm" && request.name == "new"' }
  - { id: header, effect: allow, tools: [h], when: '"x-tenant" in request.headers || request.headers[?"mcp-param-region"].orValue("") == "eu"' }
  - { id: user, effect: allow, tools: [u], when: 'identity.user == "" && identity.method == "oidc"' }
`);
  const mon10 = Date.parse('2026-11-23T10:00:00Z');
  assert.equal(call(p, alice, 'deploy', { now: mon10 }).rule, 'office-hours');
  assert.equal(call(p, alice, 'deploy', { now: Date.parse('2026-11-23T19:00:00Z') }).rule, 'default-deny');
  assert.equal(call(p, alice, 'deploy', { now: Date.parse('2026-11-22T10:00:00Z') }).rule, 'default-deny');
  assert.equal(call(p, who('corp:a', [], { issuer: 'corp', scopes: ['crm.read'] }), 'read').rule, 'scoped');
  assert.equal(call(p, who('corp:a', [], { issuer: 'corp' }), 'read').rule, 'default-deny');
  assert.equal(call(p, alice, 'new').rule, 'modern-only');
  assert.equal(call(p, alice, 'new', { era: 'legacy' }).rule, 'default-deny');
  assert.equal(
    call(p, alice, 'h', { headers: { 'Mcp-Param-Region': 'eu' } }).rule,
    'header',
    'names are lower-cased',
  );
  assert.equal(call(p, alice, 'h', { headers: { 'mcp-param-region': 'us' } }).rule, 'default-deny');
  assert.equal(call(p, alice, 'u').rule, 'user', 'an absent user is the empty string, not an error');
});

test('dry-run rules are reported and never enforced', () => {
  const p = policyOf(`rules:
  - { id: allow-all, effect: allow }
  - { id: trial-deny, effect: deny, dryRun: true, tools: ['delete_*'] }
  - { id: trial-approve, effect: approve, dryRun: true, tools: ['delete_*'], approval: { approvers: [dba] } }
  - { id: trial-broken, effect: deny, dryRun: true, tools: ['delete_*'], when: 'args.id > 5' }
  - { id: trial-other, effect: deny, dryRun: true, tools: [search] }
`);
  const d = call(p, alice, 'delete_customer');
  assert.equal(d.effect, 'allow');
  assert.equal(d.rule, 'allow-all');
  assert.deepEqual(d.dryRun, [
    { rule: 'trial-deny', effect: 'deny' },
    { rule: 'trial-approve', effect: 'approve' },
    { rule: 'trial-broken', effect: 'deny', error: "'args.id > 5': No such key: id" },
  ]);
  assert.equal(d.approval, undefined);
  assert.deepEqual(call(p, alice, 'search').dryRun, [{ rule: 'trial-other', effect: 'deny' }]);
});

test('rate limits: every matching enforced allow/approve rule applies; none on deny', () => {
  const p = policyOf(`rules:
  - { id: wide, effect: allow, tools: ['*'], rateLimit: { calls: 100, per: 1m, by: identity } }
  - { id: export, effect: allow, tools: [export], subjects: [{ group: support }], rateLimit: { calls: 5, per: 1h } }
  - { id: trial, effect: allow, dryRun: true, tools: [export], rateLimit: { calls: 1, per: 1h } }
  - { id: no-x, effect: deny, tools: [x] }
`);
  assert.deepEqual(call(p, alice, 'export').rateLimits, [
    { rule: 'wide', calls: 100, perSeconds: 60, by: 'identity' },
    { rule: 'export', calls: 5, perSeconds: 3600, by: 'identity+tool' },
  ]);
  assert.deepEqual(
    call(p, who('corp:bob'), 'export').rateLimits?.map((r) => r.rule),
    ['wide'],
  );
  assert.equal(call(p, alice, 'x').rateLimits, undefined);
});

test('the documented example behaves as docs/policy.md says', () => {
  const p = loadPolicyFile(new URL('./fixtures/example.yaml', import.meta.url).pathname);
  const contractor = who('corp:carol', ['contractors']);
  const dba = who('corp:dan', ['dba']);
  assert.equal(call(p, alice, 'search_customers').rule, 'support-read');
  assert.equal(call(p, alice, 'export_customers').effect, 'approve');
  assert.equal(call(p, alice, 'export_customers').rateLimits?.[0]?.calls, 5);
  assert.equal(call(p, contractor, 'get_customer').rule, 'contractors-read-only');
  assert.equal(call(p, contractor, 'crm://customers/42', { method: 'resources/read' }).effect, 'allow');
  assert.equal(call(p, contractor, 'export_customers').rule, 'default-deny');
  assert.equal(call(p, contractor, 'delete_customer').rule, 'no-deletes');
  assert.equal(call(p, alice, 'delete_customer', { server: 'billing' }).rule, 'no-deletes');
  assert.equal(call(p, dba, 'delete_customer', { args: { id: 7 } }).rule, 'dba-deletes');
  assert.equal(call(p, dba, 'delete_customer', { args: { ids: [1, 2] } }).rule, 'default-deny');
  const ci = who('gha:reporting', [], { attributes: { repository: 'example-org/reporting' } });
  assert.equal(call(p, ci, 'search_customers', { args: { limit: 100 } }).rule, 'reporting-ci');
  assert.equal(call(p, ci, 'search_customers', { args: { limit: 1000 } }).rule, 'default-deny');
  assert.deepEqual(call(p, alice, 'search_customers', { args: { limit: 600 } }).dryRun, [
    { rule: 'cap-search-trial', effect: 'deny' },
  ]);
});

test('evaluation is pure: same input, same decision; the policy is not changed', () => {
  const p = loadPolicyFile(new URL('./fixtures/example.yaml', import.meta.url).pathname);
  const input = {
    identity: alice,
    server: 'crm',
    method: 'tools/call',
    name: 'x',
    era: 'modern' as const,
    now: 1,
  };
  assert.deepEqual(evaluatePolicy(p, input), evaluatePolicy(p, input));
});

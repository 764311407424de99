import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterList, loadPolicyFile } from '../../src/policy/index.ts';
import { policyOf, who } from './helpers.ts';

const tools = (...names: string[]) => names.map((name) => ({ name, description: `${name} tool` }));
const names = (items: readonly { name?: string }[]) => items.map((i) => i.name);

const example = loadPolicyFile(new URL('./fixtures/example.yaml', import.meta.url).pathname);
const page = tools(
  'get_customer',
  'delete_customer',
  'export_customers',
  'search_customers',
  'merge_customers',
);

test('tools/list keeps, in order, exactly the tools the caller could call', () => {
  const support = who('corp:alice', ['support']);
  assert.deepEqual(names(filterList(example, support, 'crm', 'tools/list', page)), [
    'get_customer',
    'export_customers', // approve counts: the caller may ask for it
    'search_customers',
  ]);
  const contractor = who('corp:carol', ['contractors']);
  assert.deepEqual(names(filterList(example, contractor, 'crm', 'tools/list', page)), [
    'get_customer',
    'search_customers',
  ]);
  assert.deepEqual(names(filterList(example, who('corp:nobody'), 'crm', 'tools/list', page)), []);
  // dba-deletes depends on the arguments, so delete_customer could be allowed: listed.
  assert.deepEqual(names(filterList(example, who('corp:dan', ['dba']), 'crm', 'tools/list', page)), [
    'delete_customer',
  ]);
});

test('the items themselves are returned untouched; nextCursor is the caller’s to pass through', () => {
  const support = who('corp:alice', ['support']);
  const result = { tools: page, nextCursor: 'page-2' };
  const filtered = { ...result, tools: filterList(example, support, 'crm', 'tools/list', result.tools) };
  assert.equal(filtered.nextCursor, 'page-2');
  assert.equal(filtered.tools[0], page[0], 'same object, not a copy');
  // A page with nothing visible is empty, and the client still pages on with the cursor.
  assert.deepEqual(filterList(example, support, 'crm', 'tools/list', tools('merge_customers')), []);
});

test('"could": args- and header-dependent conditions count as possibly true and possibly false', () => {
  const p = policyOf(`rules:
  - { id: allow-all, effect: allow }
  - { id: deny-big, effect: deny, tools: [export], when: 'args.rows > 1000' }
  - { id: deny-header, effect: deny, tools: [h], when: '"x-test" in request.headers' }
  - { id: deny-bots, effect: deny, tools: [bots], when: '"bots" in identity.groups' }
  - { id: deny-legacy, effect: deny, tools: [modern], when: 'request.era == "legacy"' }
  - { id: deny-broken, effect: deny, tools: [broken], when: 'identity.attributes.env == "prod"' }
`);
  const bot = who('svc:bot', ['bots']);
  const list = tools('export', 'h', 'bots', 'modern', 'broken');
  assert.deepEqual(names(filterList(p, bot, 'crm', 'tools/list', list)), ['export', 'h', 'modern']);
  assert.deepEqual(names(filterList(p, bot, 'crm', 'tools/list', list, { era: 'legacy' })), ['export', 'h']);
  assert.deepEqual(names(filterList(p, who('corp:a'), 'crm', 'tools/list', list)), [
    'export',
    'h',
    'bots',
    'modern',
  ]);
  const onlyIf = policyOf(
    "rules:\n  - { id: small, effect: allow, tools: [search], when: 'args.limit < 10' }\n",
  );
  assert.deepEqual(names(filterList(onlyIf, who('corp:a'), 'crm', 'tools/list', tools('search', 'other'))), [
    'search',
  ]);
});

test('time conditions use the given now; dry-run rules do not hide anything', () => {
  const p = policyOf(`rules:
  - { id: day, effect: allow, tools: [deploy], when: 'now.getHours("UTC") < 18' }
  - { id: trial, effect: deny, dryRun: true, tools: [deploy] }
`);
  const a = who('corp:a');
  assert.equal(
    filterList(p, a, 'crm', 'tools/list', tools('deploy'), { now: Date.parse('2026-01-01T10:00:00Z') })
      .length,
    1,
  );
  assert.equal(
    filterList(p, a, 'crm', 'tools/list', tools('deploy'), { now: Date.parse('2026-01-01T20:00:00Z') })
      .length,
    0,
  );
});

test('prompts, resources and resource templates', () => {
  const p = policyOf(`rules:
  - { id: prompts, effect: allow, prompts: ['summar*'] }
  - { id: reports, effect: allow, resources: ['file:///reports/*', 'crm://customers/*'] }
`);
  const a = who('corp:a');
  assert.deepEqual(names(filterList(p, a, 'x', 'prompts/list', [{ name: 'summarize' }, { name: 'draft' }])), [
    'summarize',
  ]);
  const resources = [{ uri: 'file:///reports/q1.pdf' }, { uri: 'file:///etc/passwd' }, { name: 'no uri' }];
  assert.deepEqual(filterList(p, a, 'x', 'resources/list', resources), [{ uri: 'file:///reports/q1.pdf' }]);
  const templates = [{ uriTemplate: 'crm://customers/{id}' }, { uriTemplate: 'crm://orders/{id}' }];
  assert.deepEqual(filterList(p, a, 'x', 'resources/templates/list', templates), [
    { uriTemplate: 'crm://customers/{id}' },
  ]);
});

// `node --import tsx bench/policy.ts`: µs per policy evaluation for 200 rules against an empty
// policy measured in the same run (issue 5 target: 200 rules ≤ 10 µs per call). Prints figures;
// asserts nothing (STYLE.md §14).

import type { Identity } from '../src/identity/types.ts';
import {
  type CompiledPolicy,
  compilePolicy,
  evaluatePolicy,
  filterList,
  type PolicyInput,
} from '../src/policy/index.ts';

const SERVERS = Array.from({ length: 20 }, (_, i) => `srv-${String(i).padStart(2, '0')}`);
const TOOLS = [
  'search',
  'get',
  'list_items',
  'export',
  'delete_item',
  'update_item',
  'create_item',
  'report',
];
const GROUPS = ['support', 'sales', 'dba', 'contractors', 'ops', 'finance'];

/** 200 rules: per server 9 (allow by group, CEL on args, approve, deny with CEL, dry-run …) + 20 global. */
function realisticRules(): unknown[] {
  const rules: unknown[] = [];
  for (const s of SERVERS) {
    rules.push(
      {
        id: `${s}-read`,
        effect: 'allow',
        servers: [s],
        tools: ['search', 'get', 'list_*'],
        subjects: [{ group: 'support' }, { group: 'sales' }],
      },
      {
        id: `${s}-write`,
        effect: 'allow',
        servers: [s],
        tools: ['update_item', 'create_item'],
        subjects: [{ group: 'ops' }],
        when: 'has(args.id) && args.id != ""',
      },
      {
        id: `${s}-page`,
        effect: 'allow',
        servers: [s],
        tools: ['search'],
        subjects: [{ group: 'contractors' }],
        when: 'has(args.limit) && args.limit <= 100',
      },
      {
        id: `${s}-export`,
        effect: 'approve',
        servers: [s],
        tools: ['export'],
        subjects: [{ group: 'support' }],
        approval: { approvers: ['dpo'], grantFor: '30m' },
        rateLimit: { calls: 5, per: '1h' },
      },
      {
        id: `${s}-big-export`,
        effect: 'deny',
        servers: [s],
        tools: ['export'],
        when: 'has(args.rows) && args.rows > 100000',
      },
      {
        id: `${s}-hours`,
        effect: 'deny',
        servers: [s],
        tools: ['update_*', 'create_*'],
        when: 'now.getHours("Europe/Berlin") < 6',
      },
      {
        id: `${s}-ci`,
        effect: 'allow',
        servers: [s],
        tools: ['report'],
        subjects: [{ attribute: 'repository', equals: 'example-org/reporting' }],
      },
      { id: `${s}-docs`, effect: 'allow', servers: [s], resources: ['docs://*'] },
      {
        id: `${s}-trial`,
        effect: 'deny',
        dryRun: true,
        servers: [s],
        tools: ['search'],
        when: 'has(args.limit) && args.limit > 500',
      },
    );
  }
  for (let i = 0; i < 20; i++) {
    const kind = i % 4;
    if (kind === 0)
      rules.push({
        id: `g-no-delete-${i}`,
        effect: 'deny',
        tools: ['delete_*'],
        when: `!("dba" in identity.groups) && request.name != "delete_${i}"`,
      });
    if (kind === 1)
      rules.push({
        id: `g-dba-${i}`,
        effect: 'allow',
        tools: ['delete_*'],
        subjects: [{ group: 'dba' }],
        servers: ['srv-0*'],
      });
    if (kind === 2)
      rules.push({
        id: `g-scope-${i}`,
        effect: 'allow',
        tools: ['get'],
        when: `"scope-${i}" in identity.scopes`,
      });
    if (kind === 3)
      rules.push({
        id: `g-tenant-${i}`,
        effect: 'deny',
        methods: ['tools/*'],
        when: `request.headers[?"x-tenant"].orValue("") == "blocked-${i}"`,
      });
  }
  return rules;
}

/** 200 rules the index cannot split: same server, same tool, all with a condition. */
function worstCaseRules(): unknown[] {
  return Array.from({ length: 200 }, (_, i) => ({
    id: `w${i}`,
    effect: i % 10 === 0 ? 'deny' : 'allow',
    servers: ['srv-00'],
    tools: ['search'],
    when: `has(args.limit) && args.limit == ${1000 + i}`,
  }));
}

function identity(i: number): Identity {
  const groups = [GROUPS[i % GROUPS.length] as string, ...(i % 3 === 0 ? ['ops'] : [])];
  return {
    subject: `corp:user-${i}`,
    method: 'oidc',
    issuer: 'corp',
    user: `user-${i}`,
    groups,
    scopes: i % 5 === 0 ? ['scope-2'] : [],
    attributes: i % 7 === 0 ? { repository: 'example-org/reporting' } : {},
    audiences: [],
    tokenId: undefined,
    issuedAt: 0,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

function inputs(n: number): PolicyInput[] {
  const out: PolicyInput[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      identity: identity(i % 50),
      server: SERVERS[(i * 7) % SERVERS.length] as string,
      method: 'tools/call',
      name: TOOLS[(i * 3) % TOOLS.length] as string,
      args: { id: `x${i}`, limit: (i * 37) % 800, rows: i * 100 },
      era: 'modern',
      headers: { 'x-tenant': `t${i % 9}` },
      now: 1_790_000_000_000 + i * 60_000,
    });
  }
  return out;
}

function measure(
  policy: CompiledPolicy,
  reqs: readonly PolicyInput[],
  batches = 300,
): { p50: number; p99: number; mean: number } {
  const per = reqs.length;
  for (let w = 0; w < 50; w++) for (const r of reqs) evaluatePolicy(policy, r);
  const samples: number[] = [];
  let total = 0;
  for (let b = 0; b < batches; b++) {
    const t = process.hrtime.bigint();
    for (const r of reqs) evaluatePolicy(policy, r);
    const us = Number(process.hrtime.bigint() - t) / 1000 / per;
    samples.push(us);
    total += us;
  }
  samples.sort((a, b) => a - b);
  const at = (p: number): number =>
    samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)] as number;
  return { p50: at(0.5), p99: at(0.99), mean: total / batches };
}

const fmt = (x: number): string => x.toFixed(2).padStart(6);

function main(): void {
  const reqs = inputs(1000);
  const empty = compilePolicy({ rules: [] }, 'empty');
  const realistic = compilePolicy({ rules: realisticRules() }, 'realistic');
  const worst = compilePolicy({ rules: worstCaseRules() }, 'worst');
  const worstReqs = reqs.map((r) => ({ ...r, server: 'srv-00', name: 'search' }));
  const allows = reqs.filter((r) => evaluatePolicy(realistic, r).effect !== 'deny').length;

  process.stdout.write(
    `node ${process.version}; µs per evaluation, batches of ${reqs.length} varied requests\n`,
  );
  process.stdout.write('policy                                   rules    p50    p99   mean\n');
  const row = (name: string, p: CompiledPolicy, rs: readonly PolicyInput[]): void => {
    const m = measure(p, rs);
    process.stdout.write(
      `${name.padEnd(40)} ${String(p.rules.length).padStart(5)} ${fmt(m.p50)} ${fmt(m.p99)} ${fmt(m.mean)}\n`,
    );
  };
  row('baseline: empty policy', empty, reqs);
  row(`realistic mix (${allows}/${reqs.length} not denied)`, realistic, reqs);
  row('worst case: 200 CEL rules on one tool', worst, worstReqs);

  const tools = Array.from({ length: 50 }, (_, i) => ({
    name: `${TOOLS[i % TOOLS.length]}${i < TOOLS.length ? '' : `_${i}`}`,
  }));
  const who = identity(1);
  for (let w = 0; w < 200; w++) filterList(realistic, who, 'srv-03', 'tools/list', tools);
  const n = 2000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) filterList(realistic, who, 'srv-03', 'tools/list', tools);
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  process.stdout.write(`filterList, 50 tools, realistic policy: ${us.toFixed(1)} µs per list\n`);
}

main();

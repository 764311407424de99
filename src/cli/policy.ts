import { parseArgs } from 'node:util';
import {
  type CaseResult,
  caseInput,
  type Decision,
  type Explanation,
  explainPolicy,
  loadPolicyFile,
  PolicyError,
  parseCases,
  readYamlFile,
  runPolicyCases,
} from '../policy/index.ts';
import { type Io, processIo } from './io.ts';

// `custos policy check|explain|test` (docs/policy.md): the policy engine without a gateway, for
// people writing rules and for the customer's CI. Exit codes: 0 ok; 1 the check or a test case
// failed; 2 a usage error or a file that cannot be used.

const USAGE = `usage:
  custos policy check   --policy <file>
  custos policy explain --policy <file> --as <subject> [--user U] [--group G]... [--scope S]...
                        [--attr key=value]... [--issuer I] [--server S] [--method M]
                        [--tool T | --prompt P | --resource URI] [--args '{…}'] [--era modern|legacy]
                        [--header name=value]... [--now ISO-8601] [--json]
  custos policy test    --policy <file> <cases.yaml> [--json]
  custos policy pins    list|accept --url <gateway> [--token <t>] …   (tool pins, through the admin API)
`;

const EXPLAIN_OPTIONS = {
  policy: { type: 'string' },
  as: { type: 'string' },
  user: { type: 'string' },
  group: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  attr: { type: 'string', multiple: true },
  issuer: { type: 'string' },
  server: { type: 'string' },
  method: { type: 'string' },
  tool: { type: 'string' },
  prompt: { type: 'string' },
  resource: { type: 'string' },
  args: { type: 'string' },
  era: { type: 'string' },
  header: { type: 'string', multiple: true },
  now: { type: 'string' },
  json: { type: 'boolean' },
} as const;

class UsageError extends Error {}

function pairs(list: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} wants key=value, got '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function parseJsonArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--args is not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UsageError('--args must be a JSON object');
  return v as Record<string, unknown>;
}

function describe(d: Decision): string {
  return `${d.effect} by rule '${d.rule}'`;
}

function formatExplanation(e: Explanation, who: string, target: string): string {
  const d = e.decision;
  const lines = [`decision  ${describe(d)}`, `reason    ${d.reason}`, `request   ${who} → ${target}`];
  if (d.approval) {
    const a = d.approval;
    lines.push(`approval  by ${a.approvers.join(', ')} (quorum ${a.quorum}, timeout ${a.timeoutSeconds}s)`);
  }
  for (const r of d.rateLimits ?? [])
    lines.push(`limit     ${r.calls} per ${r.perSeconds}s by ${r.by} (${r.rule})`);
  for (const r of d.dryRun)
    lines.push(`dry-run   '${r.rule}' would ${r.effect}${r.error ? ` (${r.error})` : ''}`);
  lines.push('rules, in file order (* decided, + matched, ! condition failed, - skipped):');
  const width = Math.max(4, ...e.rules.map((r) => r.rule.length));
  for (const r of e.rules) {
    const mark = r.decided ? '*' : r.outcome === 'matched' ? '+' : r.outcome === 'error' ? '!' : '-';
    const effect = `${r.effect}${r.dryRun ? ' (dry-run)' : ''}`.padEnd(17);
    lines.push(`  ${mark} ${r.rule.padEnd(width)}  ${effect} ${r.why}`);
  }
  return `${lines.join('\n')}\n`;
}

function explain(rest: string[], io: Io): number {
  const { values } = parseArgs({ args: rest, options: EXPLAIN_OPTIONS, strict: true });
  if (!values.policy || !values.as) throw new UsageError('--policy and --as are required');
  if (values.era !== undefined && values.era !== 'modern' && values.era !== 'legacy') {
    throw new UsageError(`--era is modern or legacy, got '${values.era}'`);
  }
  const now = values.now === undefined ? undefined : Date.parse(values.now);
  if (now !== undefined && Number.isNaN(now)) throw new UsageError(`--now is not a date: '${values.now}'`);
  const policy = loadPolicyFile(values.policy);
  const input = caseInput({
    as: {
      subject: values.as,
      user: values.user,
      groups: values.group,
      scopes: values.scope,
      attributes: pairs(values.attr, 'attr'),
      issuer: values.issuer,
    },
    server: values.server ?? '',
    method: values.method,
    tool: values.tool,
    prompt: values.prompt,
    resource: values.resource,
    args: parseJsonArgs(values.args),
    era: values.era ?? 'modern',
    headers: pairs(values.header, 'header'),
  });
  const e = explainPolicy(policy, now === undefined ? input : { ...input, now });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(e, null, 2)}\n`);
  } else {
    const groups = input.identity.groups.length > 0 ? ` (groups ${input.identity.groups.join(', ')})` : '';
    const name = input.name === undefined ? '' : ` '${input.name}'`;
    const server = input.server === '' ? '(no --server)' : input.server;
    io.stdout.write(
      formatExplanation(e, `${input.identity.subject}${groups}`, `${server} ${input.method}${name}`),
    );
  }
  return 0;
}

function formatResult(r: CaseResult): string {
  const expected = `${r.expect.effect}${r.expect.rule ? ` by rule '${r.expect.rule}'` : ''}`;
  if (r.ok) return `ok    ${r.index + 1} ${r.label}: ${describe(r.got)}\n`;
  return `FAIL  ${r.index + 1} ${r.label}: expected ${expected}, got ${describe(r.got)} (${r.got.reason})\n`;
}

function test(rest: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: rest,
    options: { policy: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (!values.policy || positionals.length !== 1) throw new UsageError('--policy <file> and one cases file');
  const file = positionals[0] as string;
  const policy = loadPolicyFile(values.policy);
  const results = runPolicyCases(policy, parseCases(readYamlFile(file), file));
  const failed = results.filter((r) => !r.ok);
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results }, null, 2)}\n`,
    );
  } else {
    for (const r of results) io.stdout.write(formatResult(r));
    io.stdout.write(`${results.length - failed.length} passed, ${failed.length} failed\n`);
  }
  return failed.length === 0 ? 0 : 1;
}

function check(rest: string[], io: Io): number {
  const { values } = parseArgs({ args: rest, options: { policy: { type: 'string' } }, strict: true });
  if (!values.policy) throw new UsageError('--policy <file> is required');
  try {
    const policy = loadPolicyFile(values.policy);
    const count = (f: (r: (typeof policy.rules)[number]) => boolean): number => policy.rules.filter(f).length;
    io.stdout.write(
      `${values.policy}: ok, ${policy.rules.length} rules (${count((r) => r.effect === 'allow')} allow, ` +
        `${count((r) => r.effect === 'approve')} approve, ${count((r) => r.effect === 'deny')} deny; ` +
        `${count((r) => r.dryRun)} dry-run)\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
}

/** `custos policy <check|explain|test|pins> …`; returns the exit code. */
export async function runPolicyCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'check':
        return check(rest, io);
      case 'explain':
        return explain(rest, io);
      case 'test':
        return test(rest, io);
      case 'pins': {
        const { runPinsCommand } = await import('./pins.ts');
        return await runPinsCommand(rest, io);
      }
      default:
        io.stderr.write(sub === undefined ? USAGE : `custos policy: unknown subcommand '${sub}'\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof PolicyError) {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    // parseArgs reports unknown or malformed flags as TypeErrors with a code.
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`custos policy ${sub}: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

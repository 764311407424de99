import { parseArgs } from 'node:util';
import type { ApprovalView } from '../approval/index.ts';
import { AdminUsageError, adminRequest, adminTarget, runAdminCommand } from './admin-client.ts';
import { type Io, processIo } from './io.ts';

// `custos approve list|show|grant|deny` (docs/policy.md, "Approval"): the approver's side of a
// held call, through the running gateway's admin API with the approver's own token.

export const APPROVE_USAGE = `usage:
  custos approve list  --url <gateway> [--token <t>] [--status pending|granted|denied|expired|used|withdrawn|all]
                       [--limit <n>] [--json]
  custos approve show  --url <gateway> [--token <t>] <approval id> [--json]
  custos approve grant --url <gateway> [--token <t>] <approval id> [--reason <text>] [--json]
  custos approve deny  --url <gateway> [--token <t>] <approval id> [--reason <text>] [--json]
The token defaults to $CUSTOS_TOKEN and the URL to $CUSTOS_URL.
`;

const COMMON = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function line(a: ApprovalView): string {
  const target = a.name === null ? a.method : `${a.method} ${a.name}`;
  return `${a.id}  ${a.status.padEnd(9)} ${a.requester}  ${a.server}  ${target}  rule ${a.rule}  ${a.grants}/${a.quorum}  expires ${a.expiresAt}`;
}

function details(a: ApprovalView): string {
  const rows: [string, string][] = [
    ['id', a.id],
    ['status', a.status],
    ['requester', a.requesterUser ? `${a.requester} (${a.requesterUser})` : a.requester],
    ['call', `${a.server} ${a.method}${a.name === null ? '' : ` ${a.name}`}`],
    ['rule', a.reason ? `${a.rule}: ${a.reason}` : a.rule],
    ['approvers', `${a.approvers.join(', ')} (${a.grants} of ${a.quorum} granted)`],
    ['created', a.createdAt],
    ['expires', a.expiresAt],
    ['grant', a.grantForSeconds === null ? 'one call' : `the same call for ${a.grantForSeconds}s`],
    ['digest', `sha256:${a.argsDigest}`],
    ['justification', a.justification ?? '-'],
    ['arguments', JSON.stringify(a.preview)],
  ];
  if (a.decidedAt) rows.push(['decided', a.decidedAt]);
  for (const v of a.votes)
    rows.push(['vote', `${v.vote} by ${v.approver} at ${v.at}${v.reason ? `: ${v.reason}` : ''}`]);
  rows.push(['link', a.link]);
  return `${rows.map(([k, v]) => `${k.padEnd(13)} ${v}`).join('\n')}\n`;
}

async function list(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...COMMON, status: { type: 'string' }, limit: { type: 'string' } },
    strict: true,
  });
  const target = adminTarget(values);
  const status = values.status ?? 'pending';
  const q = new URLSearchParams();
  if (status !== 'all') q.set('status', status);
  if (values.limit !== undefined) q.set('limit', values.limit);
  const r = await adminRequest(target, 'GET', `/approvals${q.size > 0 ? `?${q}` : ''}`);
  const approvals = r.approvals as ApprovalView[];
  if (values.json) io.stdout.write(`${JSON.stringify(approvals, null, 2)}\n`);
  else if (approvals.length === 0)
    io.stdout.write(`no ${status === 'all' ? '' : `${status} `}approval requests\n`);
  else for (const a of approvals) io.stdout.write(`${line(a)}\n`);
  return 0;
}

async function one(args: string[], io: Io, action: 'show' | 'grant' | 'deny'): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...COMMON, reason: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new AdminUsageError('one approval id');
  if (action === 'show' && values.reason !== undefined)
    throw new AdminUsageError('--reason is for grant and deny');
  const target = adminTarget(values);
  const id = encodeURIComponent(positionals[0] as string);
  const r =
    action === 'show'
      ? await adminRequest(target, 'GET', `/approvals/${id}`)
      : await adminRequest(
          target,
          'POST',
          `/approvals/${id}/${action}`,
          values.reason ? { reason: values.reason } : {},
        );
  const a = r.approval as ApprovalView;
  if (values.json) io.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
  else if (action === 'show') io.stdout.write(details(a));
  else {
    const outcome =
      a.status === 'pending'
        ? `recorded (${a.grants} of ${a.quorum} grants so far)`
        : `the request is now ${a.status}`;
    io.stdout.write(`${action === 'grant' ? 'granted' : 'denied'} ${a.id}: ${outcome}\n`);
  }
  return 0;
}

/** `custos approve <list|show|grant|deny> …`; returns the exit code (2 usage, 1 refused). */
export function runApproveCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const [sub, ...rest] = argv;
  return runAdminCommand(`custos approve ${sub ?? ''}`.trim(), APPROVE_USAGE, io, async () => {
    switch (sub) {
      case 'list':
        return list(rest, io);
      case 'show':
      case 'grant':
      case 'deny':
        return one(rest, io, sub);
      case undefined:
      case 'help':
      case '--help':
        io.stdout.write(APPROVE_USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new AdminUsageError(`unknown sub-command '${sub}'`);
    }
  });
}

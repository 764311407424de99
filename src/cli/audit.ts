import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { retentionRules } from '../audit/retention.ts';
import { type EventView, openRaw, replay, searchTrail } from '../audit/trail.ts';
import { verifyTrail } from '../audit/verify.ts';
import { ConfigError } from '../config/index.ts';
import { subjectLookup } from '../gateway/audit-subjects.ts';
import { verifyCallerToken } from '../gateway/auth.ts';
import { type AuditContext, openAuditContext, parseTime, progress, UsageError } from './audit-context.ts';
import { type Io, processIo } from './io.ts';

// `custos audit …` and `custos replay …`: verify the chain, search it, replay what happened,
// force a checkpoint, apply retention (docs/audit.md).

export const AUDIT_USAGE = `usage:
  custos audit verify     --config <file> [--from <checkpoint size>] [--key <verifier key>]... [--json]
  custos audit search     --config <file> [--user <subject>] [--since <time>] [--until <time>]
                          [--server <name>] [--tool <name>] [--subject <identifier>] [--kind <kind>]
                          [--limit <n>] [--after <cursor>] [--format json|csv]
  custos audit checkpoint --config <file>      sign a checkpoint of everything recorded so far
  custos audit retention  --config <file> [--dry-run]
  custos replay <exchange or session id> --config <file> [--json]
                          [--raw --reason <text> --token <bearer token of a raw viewer>]
times: 2026-11-30, 2026-11-30T12:00:00Z, or an age such as 24h or 7d
`;

async function withContext<T>(
  file: string | undefined,
  keys: string[],
  fn: (c: AuditContext) => Promise<T> | T,
): Promise<T> {
  const ctx = await openAuditContext(file, keys);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

export async function runAuditCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'verify':
        return await verify(rest, io);
      case 'search':
        return await search(rest, io);
      case 'checkpoint':
        return await checkpoint(rest, io);
      case 'retention':
        return await retention(rest, io);
      case 'replay':
        return await runReplay(rest, io);
      case undefined:
      case 'help':
      case '--help':
        io.stdout.write(AUDIT_USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown sub-command '${sub}'`);
    }
  } catch (err) {
    return reportError(err, 'audit', io);
  }
}

export function reportError(err: unknown, cmd: string, io: Io): number {
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`custos ${cmd}: ${(err as Error).message}\n${AUDIT_USAGE}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.stderr.write(`custos ${cmd}: invalid configuration\n${err.message}\n`);
    return 2;
  }
  io.stderr.write(`custos ${cmd}: ${(err as Error).message}\n`);
  return 1;
}

async function verify(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      from: { type: 'string' },
      key: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  return withContext(values.config, values.key ?? [], (ctx) => {
    const from = values.from === undefined ? undefined : Number(values.from);
    if (from !== undefined && !(Number.isInteger(from) && from >= 0))
      throw new UsageError('--from takes a checkpoint size');
    const report = verifyTrail(ctx.store.audit, {
      verifiers: ctx.verifiers,
      origin: ctx.keys.setup.origin,
      fromCheckpoint: from,
      onProgress: values.json ? undefined : progress('verifying'),
    });
    if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else if (report.ok) {
      io.stdout.write(
        `ok: ${report.events} events from #${report.from} verified; ${report.checkpoints} signed checkpoints` +
          (report.latest ? ` (latest: ${report.latest.size} events, root ${report.latest.rootHash})` : '') +
          `; ${report.payloadsChecked} recordings checked, ${report.payloadsPruned} deleted by retention or erasure\n`,
      );
    } else {
      const p = report.problem as { seq: number; reason: string };
      io.stdout.write(`FAILED at sequence number ${p.seq}: ${p.reason}\n`);
    }
    return report.ok ? 0 : 1;
  });
}

const CSV_COLUMNS = [
  'seq',
  'at',
  'kind',
  'caller',
  'server',
  'method',
  'name',
  'outcome',
  'sessionId',
  'id',
] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would run as a formula in a spreadsheet (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function search(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      user: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      server: { type: 'string' },
      tool: { type: 'string' },
      subject: { type: 'string' },
      kind: { type: 'string' },
      limit: { type: 'string' },
      after: { type: 'string' },
      format: { type: 'string' },
    },
  });
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new UsageError('--format is json or csv');
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit is 1 to 10000');
  const after = values.after === undefined ? undefined : Number(values.after);
  if (after !== undefined && !Number.isInteger(after))
    throw new UsageError('--after takes the cursor a previous page printed');
  return withContext(values.config, [], (ctx) => {
    const subjects = values.subject === undefined ? undefined : subjectLookup(ctx.keys)(values.subject);
    const page = searchTrail(ctx.store.audit, {
      caller: values.user,
      server: values.server,
      name: values.tool,
      kind: values.kind,
      since: values.since === undefined ? undefined : parseTime(values.since),
      until: values.until === undefined ? undefined : parseTime(values.until),
      subjects,
      after,
      limit,
    });
    if (format === 'json') io.stdout.write(`${JSON.stringify(page)}\n`);
    else {
      io.stdout.write(`${CSV_COLUMNS.join(',')}\n`);
      for (const e of page.events)
        io.stdout.write(
          `${CSV_COLUMNS.map((c) => csvCell((e as unknown as Record<string, unknown>)[c])).join(',')}\n`,
        );
      if (page.next !== undefined) io.stderr.write(`more: --after ${page.next}\n`);
    }
    return 0;
  });
}

async function checkpoint(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } } });
  return withContext(values.config, [], (ctx) => {
    const cp = ctx.writer().checkpoint(true) ?? ctx.store.audit.latestCheckpoint();
    if (!cp) {
      io.stdout.write('nothing recorded yet\n');
      return 0;
    }
    io.stdout.write(cp.note);
    io.stderr.write(`verifier key: ${ctx.verifierKey}\n`);
    return 0;
  });
}

async function retention(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  return withContext(values.config, [], (ctx) => {
    const now = Date.now();
    const rules = retentionRules(ctx.config.servers, now);
    if (rules.length === 0) {
      io.stdout.write('no server declares a retention period (servers.<name>.audit.retention)\n');
      return 0;
    }
    if (values['dry-run']) {
      for (const r of rules) {
        const due = ctx.store.audit.search({
          server: r.server,
          until: Math.max(r.maskedBefore ?? 0, r.rawBefore ?? 0),
          limit: 1,
        });
        io.stdout.write(
          `${r.server}: masked before ${iso(r.maskedBefore)}, raw before ${iso(r.rawBefore)}${due.length ? '' : ' (nothing due)'}\n`,
        );
      }
      return 0;
    }
    const result = ctx.writer().retain(rules, {
      kind: 'retention',
      id: randomUUID(),
      at: now,
      actor: ctx.actor,
      server: null,
      target: null,
      action: 'retention',
      reason: 'servers.<name>.audit.retention',
    });
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  });
}

const iso = (t: number | undefined): string => (t === undefined ? 'never' : new Date(t).toISOString());

function formatTimeline(ex: ReturnType<typeof replay>[number]): string {
  const e = ex.event;
  const head = `#${e.seq} ${e.at} ${e.caller ?? '-'} ${e.server ?? '-'} ${e.method ?? '-'}${e.name ? ` ${e.name}` : ''} → ${e.outcome ?? e.kind}`;
  if (ex.recording !== 'masked') return `${head}\n  (recording ${ex.recording})\n`;
  const lines = ex.timeline.map((t) => {
    const ms = (t.t / 1000).toFixed(3).padStart(9);
    const body = t.message ? JSON.stringify(t.message) : (t.text ?? '');
    return `  +${ms} ms ${t.direction === 'request' ? '→' : '←'} ${body}`;
  });
  return `${head}\n${lines.join('\n')}${ex.truncated ? '\n  (recording truncated at audit.maxRecordingBytes)' : ''}\n`;
}

async function runReplay(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean' },
      raw: { type: 'boolean' },
      reason: { type: 'string' },
      token: { type: 'string' },
    },
  });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('give one exchange or session id');
  return withContext(values.config, [], async (ctx) => {
    const exchanges = replay(ctx.store.audit, id);
    if (exchanges.length === 0) {
      io.stderr.write(`custos replay: no exchange or session '${id}'\n`);
      return 1;
    }
    if (!values.raw) {
      if (values.json) io.stdout.write(`${JSON.stringify(exchanges)}\n`);
      else for (const ex of exchanges) io.stdout.write(formatTimeline(ex));
      return 0;
    }
    // The raw view: a verified identity in a raw-viewer group, a stated reason, and an event
    // recording the access before anything is shown.
    if (!values.reason?.trim()) throw new UsageError('--raw needs --reason <why you need the unmasked data>');
    const token = values.token ?? process.env.CUSTOS_TOKEN;
    if (!token)
      throw new UsageError('--raw needs --token (or CUSTOS_TOKEN): the raw viewer identifies itself');
    const identity = await verifyCallerToken(ctx.config, ctx.store, token);
    const allowed = ctx.config.audit.rawViewers;
    if (!identity.groups.some((g) => allowed.includes(g))) {
      io.stderr.write(
        `custos replay: ${identity.subject} is not in a raw-viewer group (audit.rawViewers: ${allowed.join(', ')})\n`,
      );
      return 1;
    }
    const kek = ctx.keys.setup.kek;
    ctx.writer().appendActions([
      {
        kind: 'access',
        id: randomUUID(),
        at: Date.now(),
        actor: identity.subject,
        server: exchanges[0]?.event.server ?? null,
        target: id,
        action: 'raw-view',
        reason: values.reason.trim(),
        details: { events: exchanges.map((e) => e.event.seq) },
      },
    ]);
    const out = exchanges.map((ex) => ({
      event: ex.event,
      raw: kek ? openRaw(ctx.store.audit, ex.event.seq, Buffer.from(kek)) : { ok: false, reason: 'not kept' },
    }));
    io.stdout.write(`${JSON.stringify(out, null, values.json ? undefined : 2)}\n`);
    return 0;
  });
}

export type { EventView };

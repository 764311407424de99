import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DsarBundle, exportDsar, verifyDsar } from '../audit/dsar.ts';
import { renderDsarHtml } from '../audit/html.ts';
import { parseVerifierKey } from '../audit/signed-note.ts';
import { subjectLookup } from '../gateway/audit-subjects.ts';
import { reportError } from './audit.ts';
import { openAuditContext, progress, UsageError } from './audit-context.ts';
import { type Io, processIo } from './io.ts';

// `custos dsar …`: data-subject requests. `export` (Art. 15) writes a bundle — dsar.json with
// inclusion proofs against a signed checkpoint, report.html for people; `verify` checks a bundle;
// `erase` (Art. 17) crypto-shreds the subject's keys and removes them from the blind index.

export const DSAR_USAGE = `usage:
  custos dsar export --config <file> --subject <identifier> [--out <dir>] [--include-raw]
  custos dsar erase  --config <file> --subject <identifier>... --reason <text> [--delete-recordings] --yes
  custos dsar verify <bundle>/dsar.json --key <verifier key>
the identifier: an e-mail address, phone number, IBAN, national ID, card number or name
`;

export async function runDsarCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'export':
        return await exportCommand(rest, io);
      case 'erase':
        return await eraseCommand(rest, io);
      case 'verify':
        return verifyCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
        io.stdout.write(DSAR_USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown sub-command '${sub}'`);
    }
  } catch (err) {
    return reportError(err, 'dsar', io);
  }
}

async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      subject: { type: 'string' },
      out: { type: 'string' },
      'include-raw': { type: 'boolean' },
    },
  });
  if (!values.subject?.trim()) throw new UsageError('--subject <identifier> is required');
  const subject = values.subject.trim();
  const ctx = await openAuditContext(values.config);
  try {
    const keys = subjectLookup(ctx.keys)(subject);
    // Every proof is against one signed checkpoint that covers every event exported.
    const checkpoint = ctx.writer().checkpoint(true) ?? ctx.store.audit.latestCheckpoint();
    if (!checkpoint) {
      io.stderr.write('custos dsar: the trail is empty\n');
      return 1;
    }
    const kek = values['include-raw'] ? ctx.keys.setup.kek : null;
    if (values['include-raw'] && !kek)
      throw new UsageError('--include-raw: no server keeps raw copies (servers.<name>.audit.retainRaw)');
    const bundle = exportDsar(ctx.store.audit, {
      subject,
      keys,
      checkpoint,
      origin: ctx.keys.setup.origin,
      verifierKey: ctx.verifierKey,
      kek: kek ? Buffer.from(kek) : undefined,
      onProgress: progress('exporting'),
    });
    const dir = values.out ?? `dsar-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'dsar.json'), `${JSON.stringify(bundle, null, 2)}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'report.html'), renderDsarHtml(bundle), { mode: 0o600 });
    writeFileSync(join(dir, 'checkpoint.txt'), bundle.checkpoint, { mode: 0o600 });
    io.stdout.write(
      `${JSON.stringify({ dir, exchanges: bundle.exchanges.length, treeSize: bundle.treeSize })}\n`,
    );
    return 0;
  } finally {
    await ctx.close();
  }
}

async function eraseCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      subject: { type: 'string', multiple: true },
      reason: { type: 'string' },
      'delete-recordings': { type: 'boolean' },
      yes: { type: 'boolean' },
    },
  });
  const subjects = (values.subject ?? []).map((s) => s.trim()).filter(Boolean);
  if (subjects.length === 0) throw new UsageError('--subject <identifier> is required');
  if (!values.reason?.trim())
    throw new UsageError('--reason <text> is required (a ticket or request reference)');
  if (!values.yes) throw new UsageError('erasure cannot be undone: add --yes');
  const ctx = await openAuditContext(values.config);
  try {
    const lookup = subjectLookup(ctx.keys);
    const keys = subjects.flatMap((s) => lookup(s));
    const result = ctx.writer().erase(keys, {
      pruneMasked: values['delete-recordings'] === true,
      action: {
        kind: 'erasure',
        id: randomUUID(),
        at: Date.now(),
        actor: ctx.actor,
        server: null,
        target: null,
        action: 'erase',
        reason: values.reason.trim(),
      },
    });
    // Deleted key material must not linger in the write-ahead log or free pages.
    ctx.store.audit.compact();
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await ctx.close();
  }
}

function verifyCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { key: { type: 'string', multiple: true } },
  });
  const file = positionals[0];
  if (!file) throw new UsageError('give the bundle: <dir>/dsar.json');
  if (!values.key?.length)
    throw new UsageError(
      '--key <verifier key> is required: the log key you trust, not the one in the bundle',
    );
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as DsarBundle;
  const check = verifyDsar(
    bundle,
    values.key.map((k) => parseVerifierKey(k)),
  );
  if (check.ok) io.stdout.write(`ok: ${check.exchanges} exchanges, each proven included in the signed log\n`);
  else io.stdout.write(`FAILED:\n${check.problems.map((p) => `  ${p}`).join('\n')}\n`);
  return check.ok ? 0 : 1;
}

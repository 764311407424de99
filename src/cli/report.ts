import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildArt30, renderArt30Html, renderArt30Markdown } from '../audit/art30.ts';
import { reportError } from './audit.ts';
import { openAuditContext, parseTime, progress, UsageError } from './audit-context.ts';
import { type Io, processIo } from './io.ts';

// `custos report art30`: the record of processing activities (GDPR Art. 30), from the
// configuration (purposes, retention … per server) and the traffic the trail observed.

export const REPORT_USAGE = `usage:
  custos report art30 --config <file> [--since <time>] [--until <time>] [--format md|html|json] [--out <file>]
`;

export async function runReportCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === undefined || sub === 'help' || sub === '--help') {
      io.stdout.write(REPORT_USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'art30') throw new UsageError(`unknown report '${sub}'`);
    const { values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
      },
    });
    const format = values.format ?? 'md';
    if (!['md', 'html', 'json'].includes(format)) throw new UsageError('--format is md, html or json');
    const ctx = await openAuditContext(values.config);
    try {
      const show = progress('reading the trail');
      const total = ctx.store.audit.count();
      const record = buildArt30(
        ctx.config,
        ctx.store.audit,
        {
          ...(values.since === undefined ? {} : { since: parseTime(values.since) }),
          ...(values.until === undefined ? {} : { until: parseTime(values.until) }),
        },
        (n) => show(n, total),
      );
      const text =
        format === 'md'
          ? renderArt30Markdown(record)
          : format === 'html'
            ? renderArt30Html(record)
            : `${JSON.stringify(record, null, 2)}\n`;
      if (values.out) writeFileSync(values.out, text);
      else io.stdout.write(text);
      return 0;
    } finally {
      await ctx.close();
    }
  } catch (err) {
    return reportError(err, 'report', io);
  }
}

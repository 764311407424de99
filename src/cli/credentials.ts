import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/index.ts';
import { buildServerCredentials, type CredentialStatus } from '../credentials/index.ts';
import { type Io, processIo } from './io.ts';

// `custos credentials status --config F [--json]`: which secret each upstream gets, as the
// gateway would load it from here (same files, this process's environment). It prints
// fingerprints only: the value never reaches stdout, stderr or a log line.

const USAGE = 'usage: custos credentials status --config <file> [--json]\n';

function formatTable(rows: readonly CredentialStatus[]): string {
  const cells = [
    ['SERVER', 'SOURCE', 'VERSION', 'UPDATED', 'STATUS'],
    ...rows.map((r) => [
      r.server,
      r.source,
      r.version,
      r.updatedAt === null ? '-' : new Date(r.updatedAt).toISOString(),
      r.ok ? (r.error ? `ok (${r.error})` : 'ok') : `error: ${r.error ?? 'unavailable'}`,
    ]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map(
      (row) =>
        `${row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/** Exit code: 0 when every credential is available, 1 when one is not, 2 on a usage error. */
export async function runCredentialsCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'status') {
    io.stderr.write(sub === undefined ? USAGE : `custos credentials: unknown subcommand '${sub}'\n${USAGE}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (!values.config) {
    io.stderr.write(`custos credentials status: --config <file> is required\n${USAGE}`);
    return 2;
  }
  const config = loadConfigFile(values.config);
  // Status is printed below; warnings from the sources would only repeat it.
  const creds = buildServerCredentials(config, { log: () => {} });
  try {
    const rows = [...creds.values()].map((c) => c.status()).sort((a, b) => a.server.localeCompare(b.server));
    if (values.json) io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0) io.stdout.write('no server has credentials\n');
    else io.stdout.write(formatTable(rows));
    return rows.every((r) => r.ok) ? 0 : 1;
  } finally {
    for (const c of creds.values()) c.close();
  }
}

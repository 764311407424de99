#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../config/index.ts';

// Each command loads only what it needs: `serve` must start fast and small, and the demo pulls
// in both MCP SDKs.

const USAGE = `usage: custos <command> [options]

commands:
  serve --config <file>   start the gateway with a config file (docs/config.md)
  demo [--port <n>] [--dir <d>]
                          start the gateway with the bundled demo identity provider and
                          demo MCP server on SQLite (state in .custos/)
  token issue|list|revoke --config <file> …
                          gateway tokens for what has no identity provider (docs/identity.md)
  mask [--config <file>] [--profile <p>] [--findings]
                          mask JSON or text from stdin (docs/masking.md)
  policy check|explain|test --policy <file> …
                          validate a policy, explain a decision, run a table of cases (docs/policy.md)
  policy pins list|accept --url <gateway> …
                          tool pins: what changed upstream, accept a new version
  approve list|show|grant|deny --url <gateway> …
                          decide held calls through the running gateway, with your own token
  credentials status --config <file> [--json]
                          which secret version each upstream uses (never the secret)
  audit verify|search|checkpoint|retention --config <file> …
                          the audit trail: verify the chain, search it (docs/audit.md)
  replay <exchange or session id> --config <file> [--raw --reason <text> --token <t>]
                          what happened, message by message, masked (raw: audited)
  dsar export|erase|verify …
                          data-subject access and erasure requests (GDPR Art. 15, 17)
  report art30 --config <file> [--format md|html|json]
                          the record of processing activities (GDPR Art. 30)
  help                    this text
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string', short: 'c' } },
        strict: true,
      });
      if (!values.config) {
        process.stderr.write('custos serve: --config <file> is required\n');
        return 2;
      }
      const { serve } = await import('./serve.ts');
      await serve(loadConfigFile(values.config));
      return -1; // keeps running
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { port: { type: 'string' }, host: { type: 'string' }, dir: { type: 'string' } },
        strict: true,
      });
      const { runDemo } = await import('./demo.ts');
      await runDemo({
        port: values.port === undefined ? 8080 : Number(values.port),
        host: values.host ?? '127.0.0.1',
        ...(values.dir !== undefined ? { dir: values.dir } : {}),
      });
      return -1;
    }
    case 'token': {
      const { runTokenCommand } = await import('./token.ts');
      return runTokenCommand(rest);
    }
    case 'mask': {
      const { runMaskCommand } = await import('./mask.ts');
      return runMaskCommand(rest);
    }
    case 'policy': {
      const { runPolicyCommand } = await import('./policy.ts');
      return runPolicyCommand(rest);
    }
    case 'approve': {
      const { runApproveCommand } = await import('./approve.ts');
      return runApproveCommand(rest);
    }
    case 'credentials': {
      const { runCredentialsCommand } = await import('./credentials.ts');
      return runCredentialsCommand(rest);
    }
    case 'audit': {
      const { runAuditCommand } = await import('./audit.ts');
      return runAuditCommand(rest);
    }
    case 'replay': {
      const { runAuditCommand } = await import('./audit.ts');
      return runAuditCommand(['replay', ...rest]);
    }
    case 'dsar': {
      const { runDsarCommand } = await import('./dsar.ts');
      return runDsarCommand(rest);
    }
    case 'report': {
      const { runReportCommand } = await import('./report.ts');
      return runReportCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`custos: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: invalid configuration\n${err.message}\n`);
      process.exit(2);
    }
    const e = err as Error & { code?: string };
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      process.stderr.write(`custos: cannot listen: ${e.message}\n`);
      process.exit(1);
    }
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`custos: ${e.message}\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`custos: ${e.stack ?? String(err)}\n`);
    process.exit(1);
  },
);

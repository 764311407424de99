import { parseArgs } from 'node:util';
import { AdminUsageError, adminRequest, adminTarget, runAdminCommand } from './admin-client.ts';
import type { Io } from './io.ts';

// `custos policy pins list|accept` (docs/policy.md, "Tool pinning"): which tool versions are
// pinned, which changed upstream, and accepting a new version — through the running gateway's
// admin API, as a member of `admin.groups`.

export const PINS_USAGE = `usage:
  custos policy pins list   --url <gateway> [--token <t>] [--server <name>] [--changed] [--json]
  custos policy pins accept --url <gateway> [--token <t>] <server> <tool>
The token defaults to $CUSTOS_TOKEN and the URL to $CUSTOS_URL.
`;

interface PinView {
  server: string;
  tool: string;
  status: string;
  pinned: string;
  seen: string;
  changedAt: string | null;
  acceptedBy: string | null;
}

export function runPinsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  return runAdminCommand(`custos policy pins ${sub ?? ''}`.trim(), PINS_USAGE, io, async () => {
    if (sub === 'list') {
      const { values } = parseArgs({
        args: rest,
        options: {
          url: { type: 'string' },
          token: { type: 'string' },
          server: { type: 'string' },
          changed: { type: 'boolean' },
          json: { type: 'boolean' },
        },
        strict: true,
      });
      const q = new URLSearchParams();
      if (values.server !== undefined) q.set('server', values.server);
      if (values.changed) q.set('status', 'changed');
      const r = await adminRequest(adminTarget(values), 'GET', `/pins${q.size > 0 ? `?${q}` : ''}`);
      const pins = r.pins as PinView[];
      if (values.json) io.stdout.write(`${JSON.stringify(pins, null, 2)}\n`);
      else if (pins.length === 0) io.stdout.write('no tool pins\n');
      else
        for (const p of pins) {
          const extra = p.status === 'changed' ? `  now ${p.seen.slice(0, 19)}… since ${p.changedAt}` : '';
          io.stdout.write(`${p.server}  ${p.tool}  ${p.status}  ${p.pinned.slice(0, 19)}…${extra}\n`);
        }
      return 0;
    }
    if (sub === 'accept') {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { url: { type: 'string' }, token: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
      if (positionals.length !== 2) throw new AdminUsageError('a server and a tool');
      const [server, tool] = positionals.map((p) => encodeURIComponent(p)) as [string, string];
      const r = await adminRequest(adminTarget(values), 'POST', `/pins/${server}/${tool}/accept`);
      const pin = r.pin as { server: string; tool: string; pinned: string };
      io.stdout.write(`accepted ${pin.server} ${pin.tool}: pinned ${pin.pinned}\n`);
      return 0;
    }
    if (sub === undefined || sub === 'help' || sub === '--help') {
      io.stdout.write(PINS_USAGE);
      return sub === undefined ? 2 : 0;
    }
    throw new AdminUsageError(`unknown sub-command '${sub}'`);
  });
}

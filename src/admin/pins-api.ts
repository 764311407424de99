import { GatewayError } from '../core/errors.ts';
import type { Identity } from '../core/exchange.ts';
import type { GatewayPins } from '../policy/pins.ts';
import type { AdminRoute } from './router.ts';

// /admin/v1/pins: the tool pins per server, and accepting a changed tool's new version
// (docs/policy.md, "Tool pinning"). Members of `admin.groups` only.

export function pinRoutes(pins: GatewayPins, adminGroups: readonly string[]): AdminRoute[] {
  const requireAdmin = (caller: Identity): void => {
    if (!adminGroups.some((g) => caller.groups.includes(g))) {
      throw new GatewayError('CUSTOS_FORBIDDEN', { detail: 'tool pins are for members of admin.groups' });
    }
  };
  return [
    {
      method: 'GET',
      path: /^\/pins\/?$/,
      handle(req) {
        requireAdmin(req.caller);
        const server = req.query.get('server') ?? undefined;
        const status = req.query.get('status') ?? undefined;
        const list = pins.list(server).filter((p) => status === undefined || p.status === status);
        return {
          pins: list.map((p) => ({
            server: p.server,
            tool: p.tool,
            status: p.status,
            pinned: p.pinned,
            seen: p.seen,
            firstSeenAt: new Date(p.firstSeenAt).toISOString(),
            changedAt: p.changedAt === null ? null : new Date(p.changedAt).toISOString(),
            acceptedAt: p.acceptedAt === null ? null : new Date(p.acceptedAt).toISOString(),
            acceptedBy: p.acceptedBy,
          })),
        };
      },
    },
    {
      method: 'POST',
      path: /^\/pins\/([^/]+)\/([^/]+)\/accept$/,
      handle(req) {
        requireAdmin(req.caller);
        const [server, tool] = req.params as [string, string];
        const pin = pins.accept(server, tool, req.caller.subject);
        if (!pin)
          throw new GatewayError('CUSTOS_NOT_FOUND', { detail: `no pin for tool '${tool}' on '${server}'` });
        return { pin: { server: pin.server, tool: pin.tool, status: pin.status, pinned: pin.pinned } };
      },
    },
  ];
}

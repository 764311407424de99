// The admin API (/admin/v1/). Endpoint groups are listed here, and only here.

import type { GatewayApprovals } from '../approval/index.ts';
import type { GatewayPins } from '../policy/pins.ts';
import { approvalRoutes } from './approvals-api.ts';
import { type AuditParts, auditRoutes } from './audit-api.ts';
import { pinRoutes } from './pins-api.ts';
import type { AdminRoute } from './router.ts';

export { ADMIN_PREFIX, type AdminRequest, type AdminRoute, createAdminHandler } from './router.ts';

export interface AdminParts {
  readonly approvals: GatewayApprovals | undefined;
  readonly pins: GatewayPins | undefined;
  readonly adminGroups: readonly string[];
  readonly audit: AuditParts;
}

export type { AuditParts };

/** Every endpoint group of the running gateway. */
export function adminRoutes(parts: AdminParts): AdminRoute[] {
  return [
    ...auditRoutes(parts.audit),
    ...(parts.approvals ? approvalRoutes(parts.approvals) : []),
    ...(parts.pins ? pinRoutes(parts.pins, parts.adminGroups) : []),
  ];
}

import type { Exchange } from '../core/exchange.ts';

// auth.mode: none — the explicit "no authentication" setting (it prints a warning at boot).
// Callers are told apart by address so per-caller limits still apply.
export function authenticateNone(ex: Exchange): void {
  const address = ex.req.socket.remoteAddress ?? 'unknown';
  ex.identity = {
    subject: `anonymous@${address}`,
    method: 'none',
    issuer: 'none',
    user: undefined,
    groups: [],
    scopes: [],
    attributes: {},
    audiences: [],
    tokenId: undefined,
    issuedAt: 0,
    expiresAt: Number.POSITIVE_INFINITY,
  };
}

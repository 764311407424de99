import type { Exchange } from '../core/exchange.ts';

// auth.mode: none — the explicit "no authentication" setting (it prints a warning at boot).
// Callers are told apart by address so per-caller limits still apply.
export function authenticateNone(ex: Exchange): void {
  ex.identity = { subject: `anonymous@${ex.req.socket.remoteAddress ?? 'unknown'}`, method: 'none' };
}

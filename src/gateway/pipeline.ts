import type { Exchange } from '../core/exchange.ts';
import { attachCredential } from '../credentials/step.ts';
import { attachSession } from '../session/step.ts';
import { ingress } from '../transport/ingress.ts';
import { answerError } from '../transport/respond.ts';
import { auditStep, settleExchange } from './audit.ts';

/**
 * A step of the data path. It may throw a GatewayError (answered as JSON-RPC by the runner), may
 * be async, and may return a function to run when the exchange ends (to release what it took).
 */
export type Step = (ex: Exchange) => void | Promise<void> | (() => void) | undefined;

/** The data path, in order (DESIGN.md). Later issues insert their steps here, and only here. */
export const STEPS: readonly (readonly [name: string, step: Step])[] = [
  ['ingress', ingress], // Streamable HTTP rules: method, Origin, Accept, body limit, JSON-RPC shape, era
  ['authenticate', (ex) => ex.ctx.authenticate(ex)], // who is calling: a verified token (or auth.mode: none)
  ['session', attachSession], // legacy session ↔ upstream session, bound to the caller; concurrency limits
  ['resume', (ex) => ex.ctx.approvals?.resume(ex)], // 2026-07-28 tasks: a poll for a held call's task is answered here, or becomes the granted call
  ['pins', (ex) => ex.ctx.pins?.check(ex)], // tool pins: a changed tool flagged (or refused); Mcp-Param-* agree with the body; tools/list recorded
  ['authorize', (ex) => ex.ctx.policy?.authorize(ex)], // identity × server × method × tool × arguments → allow / deny / approve, naming the rule; lists filtered
  ['approve', (ex) => ex.ctx.approvals?.hold(ex)], // an `approve` decision holds the call until a distinct approver grants it (bound to the argument digest)
  ['credential', attachCredential], // the upstream's secret, held by the gateway; the caller's token never forwarded
  ['mask', (ex) => ex.ctx.masking?.attach(ex)], // personal data in everything sent back is masked on its way out (installs Exchange.outbound)
  ['audit', auditStep], // nothing reaches the upstream unless it can be recorded; raw copies tapped before masking
  ['forward', (ex) => ex.upstream.forward(ex)], // the upstream (HTTP or stdio), answer streamed back
];

/**
 * Runs one exchange through every step, answers errors, and records it: the answer's end is held
 * until its audit event is durable (src/gateway/audited-response.ts); what the steps took (a
 * session slot) is given back after that. Never throws.
 */
export async function runExchange(ex: Exchange): Promise<void> {
  const releases: (() => void)[] = [];
  try {
    for (const [, step] of STEPS) {
      if (ex.res.writableEnded) break;
      const r = step(ex);
      if (typeof r === 'function') releases.push(r);
      else if (r !== undefined) await r;
    }
  } catch (err) {
    const gerr = answerError(ex, err);
    if (gerr.code === 'CUSTOS_INTERNAL' || gerr.http >= 500) {
      logExchangeError(ex, gerr);
    }
  } finally {
    try {
      await settleExchange(ex);
    } catch (err) {
      logExchangeError(ex, err);
    }
    // Only now is the exchange over: its answer is out (or withheld). Released earlier, a session
    // could count as idle, and expire, while its caller still waits for an answer held for the
    // audit; and a slot of requestsPerSession would be free before its answer has left.
    for (const release of releases) release();
  }
}

function logExchangeError(ex: Exchange, err: unknown): void {
  const e = err as Error & { code?: string; cause?: unknown };
  const cause = e.cause as (Error & { code?: string }) | undefined;
  // Never the payload: the request id, the server and what went wrong.
  process.stderr.write(
    `${JSON.stringify({
      level: 'error',
      msg: 'exchange failed',
      requestId: ex.id,
      server: ex.upstream.name,
      code: e.code ?? 'CUSTOS_INTERNAL',
      error: e.message,
      cause: cause ? `${cause.name}: ${cause.code ?? cause.message}` : undefined,
    })}\n`,
  );
}

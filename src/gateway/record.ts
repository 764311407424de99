import { type Exchange, exchangeMethod } from '../core/exchange.ts';
import { targetName } from '../core/jsonrpc.ts';
import type { ExchangeRecord } from '../store/index.ts';

/** Writes what the exchange was to the store: one record per JSON-RPC message it carried. */
export function recordExchange(ex: Exchange): void {
  const end = process.hrtime.bigint();
  const base: ExchangeRecord = {
    id: ex.id,
    receivedAt: ex.receivedAt,
    server: ex.upstream.name,
    era: ex.era,
    protocolVersion: ex.protocolVersion ?? ex.session?.protocolVersion ?? null,
    sessionId: ex.session?.id ?? null,
    caller: ex.identity?.subject ?? 'unauthenticated',
    method: exchangeMethod(ex),
    name: null,
    httpStatus: ex.res.statusCode,
    outcome: ex.outcome,
    errorCode: ex.errorCode,
    durationUs: Number((end - ex.startedNs) / 1000n),
    upstreamUs: ex.upstreamNs === undefined ? null : Number((ex.upstreamNs - ex.startedNs) / 1000n),
    bytesIn: ex.body?.length ?? 0,
    bytesOut: ex.bytesOut,
    findings: ex.findings === undefined ? null : summarizeFindings(ex),
    masking: ex.findings === undefined ? null : ex.maskingExempt ? 'exempt' : 'masked',
    policyRule: ex.policyRule ?? null,
    policyEffect: ex.policyEffect ?? null,
    approvalId: ex.approvalId ?? null,
  };
  if (ex.messages.length <= 1) {
    const m = ex.messages[0];
    if (m) base.name = targetName(m) ?? null;
    ex.ctx.store.recordExchange(base);
    return;
  }
  for (const m of ex.messages) {
    ex.ctx.store.recordExchange({ ...base, method: m.method ?? 'response', name: targetName(m) ?? null });
  }
}

function summarizeFindings(ex: Exchange): string {
  const counts: Record<string, number> = {};
  for (const f of ex.findings ?? []) counts[f.type] = (counts[f.type] ?? 0) + 1;
  return JSON.stringify(counts);
}

// Retention (GDPR Art. 5(1)(e)): each server's recordings are deleted after the period its
// configuration declares; the events and their hashes stay, so the chain still verifies.

/** Payloads of `server`'s events received before these times (ms) are deleted. */
export interface RetentionRule {
  server: string;
  maskedBefore: number | undefined;
  rawBefore: number | undefined;
}

/** The configured servers' retention periods as cut-off times at `now`. */
export function retentionRules(
  servers: Readonly<
    Record<string, { audit: { retention: { masked?: number | undefined; raw?: number | undefined } } }>
  >,
  now: number,
): RetentionRule[] {
  const rules: RetentionRule[] = [];
  for (const [server, s] of Object.entries(servers)) {
    const { masked, raw } = s.audit.retention;
    if (masked === undefined && raw === undefined) continue;
    rules.push({
      server,
      maskedBefore: masked === undefined ? undefined : now - masked * 1000,
      rawBefore: raw === undefined ? undefined : now - raw * 1000,
    });
  }
  return rules;
}

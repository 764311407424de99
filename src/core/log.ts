// Structured logs, one JSON object per line on stderr. Callers pass identifiers and counts,
// never payloads, tokens or personal data.

export type Level = 'debug' | 'info' | 'warn' | 'error';

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

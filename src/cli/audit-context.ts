import { userInfo } from 'node:os';
import { type NoteVerifier, parseVerifierKey } from '../audit/signed-note.ts';
import type { AuditWriter } from '../audit/writer.ts';
import { buildWriter } from '../audit/writer-setup.ts';
import type { Config } from '../config/index.ts';
import { loadConfigFile } from '../config/index.ts';
import { type AuditKeys, resolveAudit } from '../gateway/audit.ts';
import { openSqliteStore, type Store } from '../store/index.ts';

// What the audit and GDPR commands share: the configuration, the store, the log's keys, and —
// for the commands that append (erasure, raw access, retention, a forced checkpoint) — a writer
// in this process. SQLite serialises it with a running gateway's writer: the database is the
// single sequencer.

export class UsageError extends Error {}

export interface AuditContext {
  readonly config: Readonly<Config>;
  readonly store: Store;
  readonly keys: AuditKeys;
  /** The log's own verifier (from its signing key) and any pinned with --key. */
  readonly verifiers: NoteVerifier[];
  /** `<name>+<id>+<key>`: what an outside witness is given. */
  readonly verifierKey: string;
  writer(): AuditWriter;
  /** Who runs this command, for the events it appends. */
  readonly actor: string;
  close(): Promise<void>;
}

export async function openAuditContext(
  configFile: string | undefined,
  pinned: readonly string[] = [],
): Promise<AuditContext> {
  if (!configFile) throw new UsageError('--config <file> is required');
  const config = loadConfigFile(configFile);
  if (config.store.sqlite.path === ':memory:')
    throw new UsageError('the store is :memory:; there is no trail to read');
  const keys = await resolveAudit(config);
  const store = openSqliteStore({ path: config.store.sqlite.path });
  const verifiers = [keys.verifierKey, ...pinned].map((k) => parseVerifierKey(k));
  let writer: AuditWriter | undefined;
  return {
    config,
    store,
    keys,
    verifiers,
    verifierKey: keys.verifierKey,
    writer: () => {
      writer ??= buildWriter(keys.setup, store.db);
      return writer;
    },
    actor: `local:${userInfo().username}`,
    close: () => store.close(),
  };
}

/** A progress line on a terminal; nothing when stderr is piped (machine-readable runs stay quiet). */
export function progress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  if (!stream.isTTY) return () => {};
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    stream.write(`\r${label}: ${done}/${total} (${pct}%)${done >= total ? '\n' : ''}`);
  };
}

/** `2026-11-30`, `2026-11-30T12:00:00Z`, or a duration ago (`24h`, `7d`) → ms since epoch. */
export function parseTime(text: string, now = Date.now()): number {
  const rel = /^(\d+)([smhd])$/.exec(text);
  if (rel)
    return now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t))
    throw new UsageError(`not a time: '${text}' (use 2026-11-30, an ISO timestamp, or 24h / 7d ago)`);
  return t;
}

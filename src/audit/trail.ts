import type { AuditEventRow, AuditSearch, AuditSql } from '../store/index.ts';
import { openPayload, type SubjectKey, unwrapSubjectKey } from './envelope.ts';
import { decodeRecording, type TimelineEntry, timelineOf } from './recording.ts';

// Reading the trail: search (by user, time, server, tool, data subject), replay of an exchange or
// a whole session from its masked recording, and — for an authorised viewer, with a reason that is
// itself recorded — the raw copy.

export interface EventView {
  seq: number;
  id: string;
  kind: string;
  at: string;
  caller: string | null;
  server: string | null;
  method: string | null;
  name: string | null;
  sessionId: string | null;
  outcome: string | null;
  event: Record<string, unknown>;
}

export function viewOf(row: AuditEventRow): EventView {
  return {
    seq: row.seq,
    id: row.id,
    kind: row.kind,
    at: new Date(row.at).toISOString(),
    caller: row.caller,
    server: row.server,
    method: row.method,
    name: row.name,
    sessionId: row.sessionId,
    outcome: row.outcome,
    event: JSON.parse(row.body) as Record<string, unknown>,
  };
}

export interface SearchPage {
  events: EventView[];
  /** Pass as `after` for the next page; undefined on the last. */
  next: number | undefined;
}

export function searchTrail(sql: AuditSql, q: AuditSearch): SearchPage {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 10_000);
  const rows = sql.search({ ...q, limit: limit + 1 });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { events: page.map(viewOf), next: more ? page.at(-1)?.seq : undefined };
}

export type RecordingState = 'masked' | 'deleted' | 'not kept';

export interface ReplayedExchange {
  event: EventView;
  recording: RecordingState;
  truncated: boolean;
  timeline: TimelineEntry[];
}

/** The events with this id, or every event of this session, with their masked timelines. */
export function replay(sql: AuditSql, idOrSession: string): ReplayedExchange[] {
  let rows = sql.eventsById(idOrSession);
  if (rows.length === 0) rows = sql.search({ sessionId: idOrSession, limit: 100_000 });
  return rows.map((row) => {
    const p = sql.payload(row.seq);
    if (!p?.masked) {
      const kept = (JSON.parse(row.body) as { recording?: { masked: unknown } | null }).recording?.masked;
      return { event: viewOf(row), recording: kept ? 'deleted' : 'not kept', truncated: false, timeline: [] };
    }
    const rec = decodeRecording(p.masked);
    return { event: viewOf(row), recording: 'masked', truncated: rec.truncated, timeline: timelineOf(rec) };
  });
}

export type RawResult =
  | { ok: true; timeline: TimelineEntry[]; truncated: boolean }
  | { ok: false; reason: 'not kept' | 'deleted' | 'erased' };

/** Opens the raw copy of one event with the deployment's key encryption key. */
export function openRaw(sql: AuditSql, seq: number, kek: Buffer): RawResult {
  const row = sql.event(seq);
  const p = sql.payload(seq);
  if (!p?.raw) {
    const kept = row
      ? (JSON.parse(row.body) as { recording?: { raw: unknown } | null }).recording?.raw
      : null;
    return { ok: false, reason: kept ? 'deleted' : 'not kept' };
  }
  const opened = openPayload(p.raw, (keyId): SubjectKey | undefined => {
    const k = sql.keysById([keyId])[0];
    return k ? unwrapSubjectKey(kek, k.keyId, k.wrapped) : undefined;
  });
  if (!opened.ok) return { ok: false, reason: 'erased' };
  const rec = decodeRecording(opened.plain);
  return { ok: true, timeline: timelineOf(rec), truncated: rec.truncated };
}

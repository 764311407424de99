import type Database from 'better-sqlite3';
import type { PinStore, ToolPin } from './types.ts';

// Tool pins: the fingerprint accepted for each upstream tool and the one seen last. Written
// synchronously (rare: a new tool, a changed tool, an admin's acceptance), with a revision that
// grows across rows so every replica picks up changes by polling for rows past the last it saw.

const COLUMNS = `server, tool, pinned, seen, status, headers, first_seen_at AS firstSeenAt,
  changed_at AS changedAt, accepted_at AS acceptedAt, accepted_by AS acceptedBy, rev`;
const NEXT_REV = '(SELECT coalesce(max(rev), 0) + 1 FROM tool_pins)';

export function createPinStore(db: Database.Database): PinStore {
  const all = db.prepare(`SELECT ${COLUMNS} FROM tool_pins ORDER BY server, tool`);
  const ofServer = db.prepare(`SELECT ${COLUMNS} FROM tool_pins WHERE server = ? ORDER BY tool`);
  const since = db.prepare(`SELECT ${COLUMNS} FROM tool_pins WHERE rev > ? ORDER BY rev`);
  const one = db.prepare(`SELECT ${COLUMNS} FROM tool_pins WHERE server = ? AND tool = ?`);
  const insert = db.prepare(
    `INSERT INTO tool_pins (server, tool, pinned, seen, status, headers, first_seen_at, rev)
     VALUES (@server, @tool, @fingerprint, @fingerprint, 'pinned', @headers, @at, ${NEXT_REV})`,
  );
  // A fingerprint different from the accepted one marks the tool changed; seeing the accepted one
  // again (the upstream rolled back) clears the flag.
  const update = db.prepare(
    `UPDATE tool_pins SET seen = @fingerprint, headers = @headers,
       status = CASE WHEN pinned = @fingerprint THEN 'pinned' ELSE 'changed' END,
       changed_at = CASE WHEN pinned <> @fingerprint AND seen <> @fingerprint THEN @at ELSE changed_at END,
       rev = ${NEXT_REV}
     WHERE server = @server AND tool = @tool AND (seen <> @fingerprint OR headers IS NOT @headers)`,
  );
  const accept = db.prepare(
    `UPDATE tool_pins SET pinned = seen, status = 'pinned', accepted_at = @at, accepted_by = @by,
       rev = ${NEXT_REV} WHERE server = @server AND tool = @tool`,
  );

  const observe = db.transaction(
    (p: { server: string; tool: string; fingerprint: string; headers: string | null; at: number }) => {
      const existing = one.get(p.server, p.tool) as ToolPin | undefined;
      if (!existing) insert.run(p);
      else update.run(p);
      return one.get(p.server, p.tool) as ToolPin;
    },
  );
  const acceptOne = db.transaction((server: string, tool: string, by: string, at: number) => {
    if (accept.run({ server, tool, by, at }).changes === 0) return undefined;
    return one.get(server, tool) as ToolPin;
  });

  return {
    listToolPins: (server) => (server === undefined ? all.all() : ofServer.all(server)) as ToolPin[],
    toolPinsSince: (rev) => since.all(rev) as ToolPin[],
    observeToolPin: (p) => observe(p),
    acceptToolPin: (server, tool, by, at) => acceptOne(server, tool, by, at),
  };
}

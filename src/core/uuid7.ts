import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix time in milliseconds, then 74 random bits.
 * Exchange ids are UUIDv7 so that ids made one after another sort one after another: the audit
 * trail's search index on ids (audit_search_id) then grows at its end, as a log does. With
 * version 4 ids every event went to a random page of that index: ~1 page written per event once
 * the index spans more pages than a bucket has events (docs/audit.md, "Time-ordered exchange ids").
 *
 * The random part is a version 4 UUID's, from node:crypto's cached CSPRNG bytes: its last 74
 * random bits, and its variant bits where RFC 9562 puts them for version 7 too. Ids of the same
 * millisecond are in random order among themselves; nothing relies on more. The time in an id is
 * the gateway's clock when the exchange began, which its client saw too.
 */
export function uuidv7(now: number = Date.now()): string {
  const t = now.toString(16).padStart(12, '0');
  // v4: xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; from index 15 on: 3 random digits, then the rest.
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/** The milliseconds a UUIDv7 was made at. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

import { log } from '../core/log.ts';
import type { IdentityStore, RevocationRecord } from '../store/index.ts';
import type { Identity, Revocation, RevocationView } from './types.ts';

// The revocation state every request is checked against, kept in memory and current by polling
// the store's append-only log by seq. Another process (`custos token revoke`, a SCIM call to
// another replica) commits to the same database; a 200 ms poll means it is seen well within a
// second, and each lookup on the request path is a Set/Map probe.

export interface RevocationViewOptions {
  pollMs?: number;
}

/** SCIM userName is caseExact: false (RFC 7643 §4.1.1), so users are compared lower-cased. */
export function normalizeUser(user: string): string {
  return user.toLowerCase();
}

export function createRevocationView(
  store: Pick<IdentityStore, 'revocationsSince' | 'listInactiveScimUsers'>,
  opts: RevocationViewOptions = {},
): RevocationView & { close(): void } {
  const tokens = new Set<string>();
  /** subject → the latest time it was revoked; tokens issued at or before it are dead. */
  const subjects = new Map<string, number>();
  const users = new Set<string>();
  const listeners: ((r: Revocation) => void)[] = [];
  let lastSeq = 0;

  const apply = (r: RevocationRecord, announce: boolean): void => {
    lastSeq = r.seq;
    if (r.action === 'lift') {
      if (r.kind === 'token') tokens.delete(r.value);
      else if (r.kind === 'subject') subjects.delete(r.value);
      else users.delete(r.value);
      return;
    }
    let event: Revocation;
    if (r.kind === 'token') {
      tokens.add(r.value);
      event = { kind: 'token', tokenId: r.value, at: r.at };
    } else if (r.kind === 'subject') {
      subjects.set(r.value, Math.max(subjects.get(r.value) ?? 0, r.at));
      event = { kind: 'subject', subject: r.value, at: r.at };
    } else {
      users.add(r.value);
      event = { kind: 'user', user: r.value, at: r.at };
    }
    if (!announce) return;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        log('error', 'revocation listener failed', { error: String(err) });
      }
    }
  };

  // Replaying the whole log gives the current state; SCIM users marked inactive are added too,
  // in case a directory deactivated them before the log existed.
  for (const r of store.revocationsSince(0)) apply(r, false);
  for (const u of store.listInactiveScimUsers()) users.add(normalizeUser(u));

  const poll = (): void => {
    try {
      for (const r of store.revocationsSince(lastSeq)) apply(r, true);
    } catch (err) {
      // A busy or briefly unavailable database: keep the state we have and try again next tick.
      log('warn', 'revocation poll failed', { error: String(err) });
    }
  };
  const timer = setInterval(poll, opts.pollMs ?? 200);
  timer.unref();

  return {
    isRevoked(identity: Identity): boolean {
      if (identity.tokenId !== undefined && tokens.has(identity.tokenId)) return true;
      const subjectRevokedAt = subjects.get(identity.subject);
      // A token issued after the subject was revoked is a deliberate re-grant and works again.
      if (subjectRevokedAt !== undefined && subjectRevokedAt >= identity.issuedAt) return true;
      return identity.user !== undefined && users.has(normalizeUser(identity.user));
    },
    onRevoked(listener) {
      listeners.push(listener);
    },
    close() {
      clearInterval(timer);
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { ActionFacts } from '../audit/event.ts';
import { openRaw, replay, searchTrail } from '../audit/trail.ts';
import { parseDuration } from '../core/duration.ts';
import { GatewayError } from '../core/errors.ts';
import type { Identity } from '../core/exchange.ts';
import type { AuditSearch, AuditSql } from '../store/index.ts';
import type { AdminRoute } from './router.ts';

// /admin/v1/audit: what `custos audit search` and `custos replay` do, for the console and
// automation (docs/audit.md). Searching and replaying (masked) is for `audit.auditors`; opening a
// raw copy for `audit.rawViewers`, with a stated reason, and that access is itself an event,
// committed before anything raw is returned. A data subject is looked up through a POST body,
// never a URL: identifiers do not belong in access logs.

export interface AuditParts {
  readonly sql: AuditSql;
  readonly auditors: readonly string[];
  readonly rawViewers: readonly string[];
  /** Blind-index keys for an identifier, as the masker hashes it. */
  subjectKeys(value: string): Promise<Buffer[]>;
  /** Appends an event (the raw view) and resolves when it is durable. */
  record(facts: ActionFacts): Promise<void>;
  /** The key encryption key of raw copies (null: no server keeps them). */
  readonly kek: Buffer | null;
  /** The latest signed checkpoint and the verifier key witnesses check it with. */
  checkpoint(): { note: string; size: number; verifierKey: string } | undefined;
}

const member = (caller: Identity, groups: readonly string[]): boolean =>
  caller.groups.some((g) => groups.includes(g));

function requireGroup(caller: Identity, groups: readonly string[], what: string): void {
  if (!member(caller, groups))
    throw new GatewayError('CUSTOS_FORBIDDEN', {
      detail: `${what} is for members of ${groups.join(', ') || '(no group configured)'}`,
    });
}

/** `2026-11-30`, an ISO time, or an age (`24h`, `7d`) → ms since epoch. */
function timeOf(text: string | undefined, field: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const age = parseDuration(text);
  if (age !== undefined && /[smhd]$/.test(text)) return Date.now() - age * 1000;
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t))
    throw new GatewayError('CUSTOS_INVALID_REQUEST', {
      detail: `${field}: a date, an ISO time or an age such as 24h`,
    });
  return t;
}

function intOf(text: string | undefined, field: string, min: number, max: number): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new GatewayError('CUSTOS_INVALID_REQUEST', {
      detail: `${field}: an integer from ${min} to ${max}`,
    });
  return n;
}

type Filters = Record<
  'user' | 'since' | 'until' | 'server' | 'tool' | 'kind' | 'after' | 'limit',
  string | undefined
>;

function searchOf(f: Filters): AuditSearch {
  return {
    caller: f.user,
    server: f.server,
    name: f.tool,
    kind: f.kind,
    since: timeOf(f.since, 'since'),
    until: timeOf(f.until, 'until'),
    after: intOf(f.after, 'after', -1, Number.MAX_SAFE_INTEGER),
    limit: intOf(f.limit, 'limit', 1, 10_000) ?? 100,
  };
}

const FIELDS = ['user', 'since', 'until', 'server', 'tool', 'kind', 'after', 'limit'] as const;

export function auditRoutes(parts: AuditParts): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: /^\/audit\/events\/?$/,
      handle(req) {
        requireGroup(req.caller, parts.auditors, 'the audit trail');
        const f = Object.fromEntries(FIELDS.map((k) => [k, req.query.get(k) ?? undefined])) as Filters;
        if (req.query.has('subject'))
          throw new GatewayError('CUSTOS_INVALID_REQUEST', {
            detail:
              'search by data subject with POST /admin/v1/audit/search: identifiers do not belong in URLs',
          });
        return searchTrail(parts.sql, searchOf(f));
      },
    },
    {
      method: 'POST',
      path: /^\/audit\/search\/?$/,
      async handle(req) {
        requireGroup(req.caller, parts.auditors, 'the audit trail');
        const body = await req.body();
        const f = {} as Filters;
        for (const k of FIELDS) {
          const v = body[k];
          if (v !== undefined && typeof v !== 'string' && typeof v !== 'number')
            throw new GatewayError('CUSTOS_INVALID_REQUEST', { detail: `${k}: a string` });
          f[k] = v === undefined ? undefined : String(v);
        }
        const subject = body.subject;
        if (subject !== undefined && (typeof subject !== 'string' || subject.trim() === ''))
          throw new GatewayError('CUSTOS_INVALID_REQUEST', {
            detail: 'subject: an identifier (e-mail, phone, IBAN, name …)',
          });
        return searchTrail(parts.sql, {
          ...searchOf(f),
          subjects: subject === undefined ? undefined : await parts.subjectKeys(subject),
        });
      },
    },
    {
      method: 'GET',
      path: /^\/audit\/replay\/([^/]+)$/,
      handle(req) {
        requireGroup(req.caller, parts.auditors, 'replay');
        const [id] = req.params as [string];
        const exchanges = replay(parts.sql, id);
        if (exchanges.length === 0)
          throw new GatewayError('CUSTOS_NOT_FOUND', { detail: 'no such exchange or session' });
        return { exchanges };
      },
    },
    {
      method: 'POST',
      path: /^\/audit\/replay\/([^/]+)\/raw$/,
      async handle(req) {
        requireGroup(req.caller, parts.rawViewers, 'the raw view');
        const [id] = req.params as [string];
        const reason = (await req.body()).reason;
        if (typeof reason !== 'string' || reason.trim() === '')
          throw new GatewayError('CUSTOS_INVALID_REQUEST', {
            detail: 'reason: why the unmasked data is needed',
          });
        const exchanges = replay(parts.sql, id);
        if (exchanges.length === 0)
          throw new GatewayError('CUSTOS_NOT_FOUND', { detail: 'no such exchange or session' });
        await parts.record({
          kind: 'access',
          id: randomUUID(),
          at: Date.now(),
          actor: req.caller.subject,
          server: exchanges[0]?.event.server ?? null,
          target: id,
          action: 'raw-view',
          reason: reason.trim().slice(0, 1000),
          details: { events: exchanges.map((e) => e.event.seq), via: 'admin-api' },
        });
        const kek = parts.kek;
        return {
          exchanges: exchanges.map((ex) => ({
            event: ex.event,
            raw: kek ? openRaw(parts.sql, ex.event.seq, kek) : { ok: false, reason: 'not kept' },
          })),
        };
      },
    },
    {
      method: 'GET',
      path: /^\/audit\/checkpoint\/?$/,
      handle(req) {
        requireGroup(req.caller, parts.auditors, 'the checkpoint');
        const cp = parts.checkpoint();
        if (!cp) throw new GatewayError('CUSTOS_NOT_FOUND', { detail: 'nothing recorded yet' });
        return cp;
      },
    },
  ];
}

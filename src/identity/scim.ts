import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../core/log.ts';
import type { IdentityStore, NewRevocation, ScimUser } from '../store/index.ts';
import { BodyTooLargeError, mediaType, readBody } from './read-body.ts';
import { normalizeUser } from './revocation.ts';
import {
  errorBody,
  fieldsFromBody,
  fieldsFromPatch,
  LIST_SCHEMA,
  parseFilter,
  ScimError,
  toResource,
  type UserFields,
} from './scim-resource.ts';

// SCIM 2.0 Users endpoint (RFC 7643, RFC 7644) for the company's directory: deactivating or
// deleting a user revokes every token naming that user (a 'user' revocation, persisted, seen
// by every replica); reactivating lifts it.

export interface ScimHandlerOptions {
  store: IdentityStore;
  /** Holds the bearer token the IdP presents; re-read when the file changes (rotation). */
  tokenFile: string;
  /** Called after a deactivation or delete is committed, with the SCIM userName. */
  onDeprovision(user: string): void;
}

const BASE = '/scim/v2/Users';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_COUNT = 1000;
const MIN_SECRET_LENGTH = 16;
const CONTENT_TYPE = 'application/scim+json'; // RFC 7644 §3.1

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createScimHandler(opts: ScimHandlerOptions): Handler {
  const secret = watchSecret(opts.tokenFile);
  return async (req, res) => {
    try {
      if (!secret.matches(bearer(req))) {
        res.setHeader('www-authenticate', 'Bearer realm="custos-scim"');
        throw new ScimError(401, 'a valid bearer token is required');
      }
      await route(opts, req, res);
    } catch (err) {
      if (err instanceof ScimError) return send(res, err.status, errorBody(err));
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return send(
          res,
          413,
          errorBody(new ScimError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`)),
        );
      }
      log('error', 'scim request failed', { error: String(err) });
      send(res, 500, errorBody(new ScimError(500, 'internal error')));
    }
  };
}

async function route(opts: ScimHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://scim.invalid');
  const { store } = opts;
  const method = req.method ?? 'GET';
  const location = (id: string) => `${origin(req)}${BASE}/${encodeURIComponent(id)}`;

  if (url.pathname === BASE) {
    if (method === 'GET') return send(res, 200, listUsers(store, url.searchParams, location));
    if (method !== 'POST') return notAllowed(res, 'GET, POST');
    const fields = fieldsFromBody(await readJson(req));
    const now = Date.now();
    const user: ScimUser = {
      id: randomUUID(),
      userName: fields.userName as string,
      externalId: fields.externalId ?? null,
      displayName: fields.displayName ?? null,
      active: fields.active ?? true,
      createdAt: now,
      updatedAt: now,
    };
    const event = transition(store, user.userName, !user.active, now, 'scim: created inactive');
    if (!store.createScimUser(user, event))
      throw new ScimError(409, 'userName is already taken', 'uniqueness');
    announce(opts, event, user.userName);
    res.setHeader('location', location(user.id));
    return send(res, 201, toResource(user, location(user.id)));
  }

  if (!url.pathname.startsWith(`${BASE}/`)) throw new ScimError(404, 'no such resource');
  const id = decodeURIComponent(url.pathname.slice(BASE.length + 1));
  const existing = store.getScimUser(id);
  if (!existing) throw new ScimError(404, `no user with id ${JSON.stringify(id)}`);

  switch (method) {
    case 'GET':
      return send(res, 200, toResource(existing, location(id)));
    case 'PUT':
    case 'PATCH': {
      const body = await readJson(req);
      const fields = method === 'PUT' ? fieldsFromBody(body) : fieldsFromPatch(body);
      const user = merge(existing, fields);
      const event = transition(store, user.userName, !user.active, user.updatedAt, 'scim: deactivated');
      const outcome = store.updateScimUser(user, event);
      if (outcome === 'conflict') throw new ScimError(409, 'userName is already taken', 'uniqueness');
      if (outcome === 'not-found') throw new ScimError(404, `no user with id ${JSON.stringify(id)}`);
      announce(opts, event, user.userName);
      return send(res, 200, toResource(user, location(id)));
    }
    case 'DELETE': {
      const event = transition(store, existing.userName, true, Date.now(), 'scim: deleted');
      if (!store.deleteScimUser(id, event)) throw new ScimError(404, `no user with id ${JSON.stringify(id)}`);
      announce(opts, event, existing.userName);
      res.writeHead(204).end();
      return;
    }
    default:
      return notAllowed(res, 'GET, PUT, PATCH, DELETE');
  }
}

function listUsers(store: IdentityStore, params: URLSearchParams, location: (id: string) => string) {
  const filter = params.get('filter');
  // RFC 7644 §3.4.2.4: startIndex is 1-based (values below 1 mean 1); count below 0 means 0.
  const startIndex = Math.max(1, Number.parseInt(params.get('startIndex') ?? '1', 10) || 1);
  const count = Math.min(MAX_COUNT, Math.max(0, Number.parseInt(params.get('count') ?? '100', 10) || 0));
  const { total, users } = store.findScimUsers({
    ...(filter ? parseFilter(filter) : {}),
    startIndex,
    count,
  });
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: users.length,
    Resources: users.map((u) => toResource(u, location(u.id))),
  };
}

function merge(user: ScimUser, fields: UserFields): ScimUser {
  return {
    ...user,
    ...(fields.userName !== undefined ? { userName: fields.userName } : {}),
    ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}),
    ...(fields.displayName !== undefined ? { displayName: fields.displayName } : {}),
    // A PUT without `active` keeps the current value: never reactivate a user by omission.
    ...(fields.active !== undefined ? { active: fields.active } : {}),
    updatedAt: Date.now(),
  };
}

/** The log entry that brings the user's revocation in line with `revoked`, if any is needed. */
function transition(
  store: IdentityStore,
  userName: string,
  revoked: boolean,
  at: number,
  reason: string,
): NewRevocation | undefined {
  const value = normalizeUser(userName);
  if (store.isUserRevoked(value) === revoked) return undefined;
  return revoked
    ? { kind: 'user', value, at, reason }
    : { kind: 'user', value, at, reason: 'scim: reactivated', action: 'lift' };
}

function announce(opts: ScimHandlerOptions, event: NewRevocation | undefined, userName: string): void {
  if (!event || (event.action ?? 'revoke') !== 'revoke') return;
  log('info', 'scim user deprovisioned', { reason: event.reason });
  opts.onDeprovision(userName);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = mediaType(req);
  if (type !== CONTENT_TYPE && type !== 'application/json') {
    throw new ScimError(415, `Content-Type must be ${CONTENT_TYPE}`);
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ScimError(400, 'the body is not valid JSON', 'invalidSyntax');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  send(res, 405, errorBody(new ScimError(405, 'method not allowed')));
}

function origin(req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The expected token, read at start (a missing or short file is a boot error) and again whenever
 * the file changes. Compared as SHA-256 digests with timingSafeEqual: constant time whatever
 * the presented token's length.
 */
function watchSecret(file: string): { matches(presented: string | undefined): boolean } {
  let stamp = '';
  let expected: Buffer = Buffer.alloc(0);
  const load = (): void => {
    const st = statSync(file);
    const next = `${st.mtimeMs}:${st.size}`;
    if (next === stamp) return;
    const text = readFileSync(file, 'utf8').trim();
    if (text.length < MIN_SECRET_LENGTH) {
      throw new Error(`${file}: the SCIM token must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    expected = digest(text);
    stamp = next;
  };
  load();
  return {
    matches(presented) {
      try {
        load();
      } catch (err) {
        // Keep the last good token rather than locking the directory out on a bad rewrite.
        log('warn', 'scim token file unreadable; keeping the previous token', {
          error: (err as Error).message,
        });
      }
      return presented !== undefined && timingSafeEqual(digest(presented), expected);
    },
  };
}

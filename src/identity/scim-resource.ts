import type { ScimUser } from '../store/index.ts';

// Pure SCIM 2.0 pieces: the User resource as Custos keeps it (RFC 7643 §4.1), the one filter
// shape IdPs use to look a user up (RFC 7644 §3.4.2.2) and PATCH operations (RFC 7644 §3.5.2).
// Attributes Custos does not keep (name, emails, groups …) are accepted and dropped, because
// IdPs send them on every call and would stop provisioning on an error.

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** RFC 7644 §3.12: an error with an HTTP status and, for 400s, a scimType. */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: string,
  ) {
    super(detail);
  }
}

export function errorBody(err: ScimError): Record<string, unknown> {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(err.status), // a string in SCIM (RFC 7644 §3.12)
    ...(err.scimType ? { scimType: err.scimType } : {}),
    detail: err.detail,
  };
}

export function toResource(user: ScimUser, location: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.userName,
    ...(user.displayName !== null ? { displayName: user.displayName } : {}),
    active: user.active,
    meta: {
      resourceType: 'User',
      created: new Date(user.createdAt).toISOString(),
      lastModified: new Date(user.updatedAt).toISOString(),
      location,
    },
  };
}

export interface UserFilter {
  userName?: string;
  externalId?: string;
}

// Attribute names and operators are case-insensitive in filters (RFC 7644 §3.4.2.2).
const FILTER = /^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/** `userName eq "alice"` or `externalId eq "…"`; anything else is `invalidFilter`. */
export function parseFilter(filter: string): UserFilter {
  const m = FILTER.exec(filter);
  if (!m)
    throw new ScimError(
      400,
      'only `userName eq "…"` and `externalId eq "…"` filters are supported',
      'invalidFilter',
    );
  let value: string;
  try {
    value = JSON.parse(`"${m[2]}"`) as string;
  } catch {
    throw new ScimError(400, 'the filter value is not a valid string', 'invalidFilter');
  }
  return (m[1] as string).toLowerCase() === 'username' ? { userName: value } : { externalId: value };
}

/** The attributes Custos keeps; `undefined` means "not given". */
export interface UserFields {
  userName?: string;
  externalId?: string | null;
  displayName?: string | null;
  active?: boolean;
}

/** Some IdPs (Microsoft Entra) send booleans as the strings "True" and "False". */
function toBoolean(v: unknown, attr: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw new ScimError(400, `${attr} must be a boolean`, 'invalidValue');
}

function toOptionalString(v: unknown, attr: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  throw new ScimError(400, `${attr} must be a string`, 'invalidValue');
}

/** Sets one attribute by name (case-insensitive, optionally with the core schema URN prefix). */
function setAttribute(fields: UserFields, name: string, value: unknown): void {
  const attr = name.toLowerCase().replace(`${USER_SCHEMA.toLowerCase()}:`, '');
  switch (attr) {
    case 'username':
      if (typeof value !== 'string' || value.trim() === '') {
        throw new ScimError(400, 'userName must be a non-empty string', 'invalidValue');
      }
      fields.userName = value;
      return;
    case 'active':
      fields.active = toBoolean(value, 'active');
      return;
    case 'displayname':
      fields.displayName = toOptionalString(value, 'displayName');
      return;
    case 'externalid':
      fields.externalId = toOptionalString(value, 'externalId');
      return;
    default:
      return; // not kept (see the file comment); `id`, `meta` and `schemas` are read-only
  }
}

/** The kept attributes of a POST or PUT body (RFC 7644 §3.3, §3.5.1). */
export function fieldsFromBody(body: unknown): UserFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ScimError(400, 'the body must be a JSON object', 'invalidSyntax');
  }
  const fields: UserFields = {};
  for (const [name, value] of Object.entries(body)) setAttribute(fields, name, value);
  if (fields.userName === undefined) throw new ScimError(400, 'userName is required', 'invalidValue');
  return fields;
}

/**
 * Applies PatchOp Operations. Both shapes IdPs send for deactivation work:
 * `{op:'replace', path:'active', value:false}` and `{op:'replace', value:{active:false}}`.
 */
export function fieldsFromPatch(body: unknown): UserFields {
  const ops = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(ops) || ops.length === 0) {
    throw new ScimError(400, 'a PATCH needs a non-empty Operations array', 'invalidSyntax');
  }
  const fields: UserFields = {};
  for (const raw of ops) {
    const { op, path, value } = (raw ?? {}) as { op?: unknown; path?: unknown; value?: unknown };
    const kind = typeof op === 'string' ? op.toLowerCase() : '';
    if (path !== undefined && typeof path !== 'string')
      throw new ScimError(400, 'path must be a string', 'invalidPath');
    if (kind === 'add' || kind === 'replace') {
      if (path !== undefined) setAttribute(fields, path, value);
      else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [name, v] of Object.entries(value)) setAttribute(fields, name, v);
      } else throw new ScimError(400, `${kind} without a path needs an object value`, 'invalidValue');
    } else if (kind === 'remove') {
      if (path === undefined) throw new ScimError(400, 'remove needs a path', 'noTarget');
      const attr = path.toLowerCase();
      if (attr === 'username' || attr === 'active') {
        throw new ScimError(400, `${path} cannot be removed`, 'mutability');
      }
      setAttribute(fields, path, null);
    } else {
      throw new ScimError(400, 'op must be add, remove or replace', 'invalidSyntax');
    }
  }
  return fields;
}

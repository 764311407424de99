import type { IssuerConfig } from '../config/schema.ts';
import { AuthError, type AuthMethod, type Identity } from './types.ts';

// Verified claims → Identity. Pure functions: the signature, `iss`, `aud` and times have already
// been checked (verify.ts); here the shape of what we rely on is checked and mapped. Claim values
// come from a third party, so every lookup is an own-property read (never `constructor` or
// `__proto__` off the prototype) and every value's type is checked before use.

/** `iss` and `aud` of tokens the gateway signs itself (token exchange, `custos token create`). */
export const GATEWAY_TOKEN_ISSUER = 'urn:custos:gateway';
export const GATEWAY_TOKEN_AUDIENCE = 'urn:custos:gateway';
/** Identity.issuer of gateway-issued tokens. */
export const GATEWAY_ISSUER_NAME = 'custos';

export type Claims = Readonly<Record<string, unknown>>;
export type IssuerClaimsConfig = Pick<IssuerConfig, 'name' | 'kind' | 'groupsClaim' | 'userClaim'>;

const GATEWAY_METHODS: ReadonlySet<AuthMethod> = new Set(['oidc', 'kubernetes', 'github-actions', 'gateway']);
// GitHub OIDC token claims policy can use (docs.github.com, "About security hardening with OpenID Connect").
const GITHUB_ATTRIBUTES = [
  'repository',
  'repository_owner',
  'ref',
  'workflow',
  'environment',
  'actor',
  'run_id',
];
const SERVICE_ACCOUNT_SUB = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** A member of a JSON object (not of an array: `roles.length` is not a claim). */
function own(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * A claim by dot path (`realm_access.roles`). A top-level claim whose name itself contains dots
 * (`https://example.com/groups`, `kubernetes.io`) wins over the walk.
 */
export function readClaim(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    value = own(value, part);
    if (value === undefined) return undefined;
  }
  return value;
}

/** Groups as an array of strings, or one string separated by spaces or commas. */
export function parseGroups(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? value : [];
  return [...new Set(list.filter((g): g is string => typeof g === 'string' && g.length > 0))];
}

/** RFC 9068 §2.2.3.1 / RFC 8693 §4.2: `scope` is space-separated; `scp` is an array (or, at Entra ID, a string). */
export function parseScopes(claims: Claims): string[] {
  const value = claims.scope ?? claims.scp;
  const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  return [...new Set(list.filter((s): s is string => typeof s === 'string' && s.length > 0))];
}

function requireString(claims: Claims, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new AuthError(`"${name}" must be a non-empty string`);
  return value;
}

function optionalString(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AuthError(`"${name}" must be a string`);
  return value;
}

/** RFC 7519 §4.1.4: exp is a NumericDate; ours is required. */
function times(claims: Claims, nowMs: number): { issuedAt: number; expiresAt: number } {
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AuthError('"exp" must be a number');
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
    throw new AuthError('"iat" must be a number');
  }
  return { issuedAt: typeof iat === 'number' ? iat * 1000 : nowMs, expiresAt: exp * 1000 };
}

function freeze(identity: Identity): Identity {
  Object.freeze(identity.groups);
  Object.freeze(identity.scopes);
  Object.freeze(identity.attributes);
  return Object.freeze(identity);
}

/** Kubernetes projected service-account token: the `kubernetes.io` claim and/or `sub`. */
export function kubernetesAttributes(claims: Claims): Record<string, string> {
  const k8s = claims['kubernetes.io'];
  const fromClaim = {
    namespace: own(k8s, 'namespace'),
    serviceaccount: own(own(k8s, 'serviceaccount'), 'name'),
    pod: own(own(k8s, 'pod'), 'name'),
  };
  const match = typeof claims.sub === 'string' ? SERVICE_ACCOUNT_SUB.exec(claims.sub) : null;
  const namespace = typeof fromClaim.namespace === 'string' ? fromClaim.namespace : match?.[1];
  const serviceaccount = typeof fromClaim.serviceaccount === 'string' ? fromClaim.serviceaccount : match?.[2];
  if (match !== null && (match[1] !== namespace || match[2] !== serviceaccount)) {
    throw new AuthError('kubernetes token: "sub" and "kubernetes.io" disagree');
  }
  if (namespace === undefined || serviceaccount === undefined) {
    throw new AuthError('kubernetes token: not a service-account token');
  }
  const attributes: Record<string, string> = { namespace, serviceaccount };
  if (typeof fromClaim.pod === 'string') attributes.pod = fromClaim.pod;
  return attributes;
}

export function githubActionsAttributes(claims: Claims): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of GITHUB_ATTRIBUTES) {
    const value = claims[name];
    if (typeof value === 'string' && value.length > 0) attributes[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) attributes[name] = String(value);
  }
  return attributes;
}

/** An access token from a configured issuer (OIDC, Kubernetes or GitHub Actions). */
export function identityFromIssuerClaims(
  issuer: IssuerClaimsConfig,
  claims: Claims,
  nowMs: number,
): Identity {
  const sub = requireString(claims, 'sub');
  const user = readClaim(claims, issuer.userClaim);
  const method: AuthMethod = issuer.kind;
  const attributes =
    issuer.kind === 'kubernetes'
      ? kubernetesAttributes(claims)
      : issuer.kind === 'github-actions'
        ? githubActionsAttributes(claims)
        : {};
  return freeze({
    subject: `${issuer.name}:${sub}`,
    method,
    issuer: issuer.name,
    user: typeof user === 'string' && user.length > 0 ? user : undefined,
    groups: parseGroups(readClaim(claims, issuer.groupsClaim)),
    scopes: parseScopes(claims),
    attributes,
    audiences: parseAudiences(claims.aud),
    tokenId: optionalString(claims, 'jti'),
    ...times(claims, nowMs),
  });
}

function parseAudiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** A token the gateway signed: the claims are ours, so a wrong shape is refused, not repaired. */
export function identityFromGatewayClaims(claims: Claims, nowMs: number): Identity {
  const subject = requireString(claims, 'sub');
  const tokenId = requireString(claims, 'jti');
  const groups = claims.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
    throw new AuthError('gateway token: "groups" must be an array of strings');
  }
  const scope = optionalString(claims, 'scope');
  const method = claims.custos_method ?? 'gateway';
  if (!GATEWAY_METHODS.has(method as AuthMethod))
    throw new AuthError('gateway token: unknown "custos_method"');
  const attributes: Record<string, string> = {};
  const attrs = claims.custos_attrs;
  if (attrs !== undefined) {
    if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
      throw new AuthError('gateway token: "custos_attrs" must be an object');
    }
    for (const [key, value] of Object.entries(attrs)) {
      if (typeof value !== 'string')
        throw new AuthError('gateway token: "custos_attrs" values must be strings');
      // A JSON "__proto__" key is an own property; assigning it would set the prototype instead.
      if (key !== '__proto__') attributes[key] = value;
    }
  }
  return freeze({
    subject,
    method: method as AuthMethod,
    issuer: GATEWAY_ISSUER_NAME,
    user: optionalString(claims, 'user'),
    groups: [...new Set(groups as string[])],
    scopes: scope === undefined ? [] : parseScopes({ scope }),
    attributes,
    // Issued by this gateway for this gateway: valid on every route its scopes allow.
    audiences: [],
    tokenId,
    ...times(claims, nowMs),
  });
}

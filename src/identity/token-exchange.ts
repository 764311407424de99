import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../core/log.ts';
import type { IdentityStore } from '../store/index.ts';
import { issueGatewayToken } from './gateway-tokens.ts';
import { KeysUnavailableError } from './jwks.ts';
import { BodyTooLargeError, mediaType, readBody } from './read-body.ts';
import type { SigningKey } from './signing-key.ts';
import { AuthError, type Identity, type RevocationView, type TokenVerifier } from './types.ts';

// RFC 8693 OAuth 2.0 Token Exchange at POST /oauth/token: a caller trades an IdP or workload
// token for a gateway token with the same subject and fewer rights (groups, scopes, lifetime).
// Only narrowing: nothing the subject token did not grant can come out of it.

export const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const TOKEN_TYPE_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = new Set([TOKEN_TYPE_JWT, TOKEN_TYPE_ACCESS]);
const MAX_BODY_BYTES = 16 * 1024;

export interface TokenExchangeOptions {
  verifier: TokenVerifier;
  revocations: RevocationView;
  key: Pick<SigningKey, 'kid' | 'privateKey'>;
  maxTtlSeconds: number;
  store: Pick<IdentityStore, 'recordIssuedToken'>;
}

/** An RFC 6749 §5.2 error: the client sees `error` and a short description, never a token. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export interface ExchangeRequest {
  subjectToken: string;
  scopes: readonly string[] | undefined;
  groups: readonly string[] | undefined;
  expiresIn: number | undefined;
}

/** Validates the form parameters (RFC 8693 §2.1); pure. */
export function parseExchangeRequest(form: URLSearchParams): ExchangeRequest {
  const seen = new Set<string>();
  for (const name of form.keys()) {
    // RFC 6749 §3.2: parameters MUST NOT be included more than once.
    if (seen.has(name)) throw new OAuthError('invalid_request', `parameter ${name} given more than once`);
    seen.add(name);
  }
  const grantType = form.get('grant_type');
  if (grantType === null) throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType !== GRANT_TYPE)
    throw new OAuthError('unsupported_grant_type', `only ${GRANT_TYPE} is supported`);
  const subjectToken = form.get('subject_token');
  if (!subjectToken) throw new OAuthError('invalid_request', 'subject_token is required');
  const subjectTokenType = form.get('subject_token_type');
  if (subjectTokenType === null || !SUBJECT_TOKEN_TYPES.has(subjectTokenType)) {
    throw new OAuthError(
      'invalid_request',
      `subject_token_type must be ${TOKEN_TYPE_JWT} or ${TOKEN_TYPE_ACCESS}`,
    );
  }
  const requested = form.get('requested_token_type');
  if (requested !== null && !SUBJECT_TOKEN_TYPES.has(requested)) {
    throw new OAuthError('invalid_request', `requested_token_type must be ${TOKEN_TYPE_JWT}`);
  }
  // Delegation (RFC 8693 §1.1) is not offered: the issued token acts as the subject, no one else.
  if (form.has('actor_token')) throw new OAuthError('invalid_request', 'actor_token is not supported');
  if (form.has('resource') || form.has('audience')) {
    throw new OAuthError('invalid_target', 'this endpoint issues tokens for this gateway only');
  }
  const expiresIn = form.get('expires_in');
  if (expiresIn !== null && !/^[1-9][0-9]{0,8}$/.test(expiresIn)) {
    throw new OAuthError('invalid_request', 'expires_in must be a positive number of seconds');
  }
  return {
    subjectToken,
    scopes: spaceList(form.get('scope')),
    groups: spaceList(form.get('groups')),
    expiresIn: expiresIn === null ? undefined : Number(expiresIn),
  };
}

// RFC 6749 §3.3: a space-delimited, case-sensitive list. Present but empty asks for none at all.
function spaceList(v: string | null): string[] | undefined {
  return v === null ? undefined : [...new Set(v.split(' ').filter((s) => s.length > 0))];
}

export interface Grant {
  groups: readonly string[];
  scopes: readonly string[];
  ttlSeconds: number;
}

/** What the new token may carry: a subset of the subject's rights, for no longer than it lives. */
export function narrowGrant(
  identity: Identity,
  req: ExchangeRequest,
  maxTtlSeconds: number,
  now: number,
): Grant {
  const wider = (asked: readonly string[] | undefined, held: readonly string[]) =>
    asked?.filter((s) => !held.includes(s)) ?? [];
  if (wider(req.scopes, identity.scopes).length > 0) {
    throw new OAuthError('invalid_scope', 'scope may only narrow the subject token’s scopes');
  }
  if (wider(req.groups, identity.groups).length > 0) {
    throw new OAuthError('invalid_scope', 'groups may only narrow the subject token’s groups');
  }
  const remaining = Math.floor((identity.expiresAt - now) / 1000);
  if (!(remaining > 0)) throw new OAuthError('invalid_grant', 'the subject token has expired');
  return {
    groups: req.groups ?? identity.groups,
    scopes: req.scopes ?? identity.scopes,
    ttlSeconds: Math.min(req.expiresIn ?? maxTtlSeconds, maxTtlSeconds, remaining),
  };
}

export function createTokenExchangeHandler(
  opts: TokenExchangeOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new OAuthError('invalid_request', 'use POST', 405);
      }
      if (mediaType(req) !== 'application/x-www-form-urlencoded') {
        throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
      }
      const form = new URLSearchParams((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
      const request = parseExchangeRequest(form);
      const identity = await verifySubject(opts, request.subjectToken);
      const grant = narrowGrant(identity, request, opts.maxTtlSeconds, Date.now());
      const issued = await issueGatewayToken(opts.key, {
        subject: identity.subject,
        groups: grant.groups,
        scopes: grant.scopes,
        ttlSeconds: grant.ttlSeconds,
        maxTtlSeconds: opts.maxTtlSeconds,
        ...(identity.user !== undefined ? { user: identity.user } : {}),
        method: identity.method,
        attributes: identity.attributes,
      });
      opts.store.recordIssuedToken({
        jti: issued.tokenId,
        subject: identity.subject,
        groups: [...grant.groups],
        scopes: [...grant.scopes],
        issuedAt: issued.issuedAt,
        expiresAt: issued.expiresAt,
        revokedAt: null,
        description: `token exchange (${identity.method})`,
      });
      log('info', 'token exchanged', {
        subject: identity.subject,
        tokenId: issued.tokenId,
        ttl: grant.ttlSeconds,
      });
      // RFC 8693 §2.2.1; scope is returned whenever the token has one, as it may differ from the request.
      send(res, 200, {
        access_token: issued.token,
        issued_token_type: TOKEN_TYPE_JWT,
        token_type: 'Bearer',
        expires_in: grant.ttlSeconds,
        ...(grant.scopes.length > 0 ? { scope: grant.scopes.join(' ') } : {}),
      });
    } catch (err) {
      if (err instanceof OAuthError)
        return send(res, err.status, { error: err.error, error_description: err.description });
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return send(res, 413, { error: 'invalid_request', error_description: 'the body is too large' });
      }
      log('error', 'token exchange failed', { error: String(err) });
      send(res, 500, { error: 'server_error', error_description: 'internal error' });
    }
  };
}

async function verifySubject(opts: TokenExchangeOptions, token: string): Promise<Identity> {
  let identity: Identity;
  try {
    identity = await opts.verifier.verify(token);
  } catch (err) {
    // The issuer's keys could not be fetched: not the token's fault, so not invalid_grant.
    if (err instanceof KeysUnavailableError) {
      throw new OAuthError('temporarily_unavailable', 'the token issuer cannot be reached; try again', 503);
    }
    if (!(err instanceof AuthError)) throw err;
    // The reason goes to the log only; the client learns that the grant is not acceptable.
    log('info', 'token exchange refused', { reason: err.reason });
    throw new OAuthError('invalid_grant', 'the subject token is not valid');
  }
  if (opts.revocations.isRevoked(identity)) {
    log('info', 'token exchange refused', { reason: 'revoked', subject: identity.subject });
    throw new OAuthError('invalid_grant', 'the subject token has been revoked');
  }
  return identity;
}

// RFC 6749 §5.1: token responses and their errors must not be cached.
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

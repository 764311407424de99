import { GatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';
import type { Identity, RevocationView, TokenVerifier } from './types.ts';

// The authenticate step for auth.mode: tokens. MCP basic/authorization (2025-06-18 on): the
// resource server answers 401 with a WWW-Authenticate challenge pointing at its RFC 9728
// protected-resource metadata; tokens travel only in the Authorization header (never the query
// string, RFC 6750 §2.3 is forbidden by MCP); a missing scope is 403 insufficient_scope.

export interface Authenticator {
  readonly verifier: TokenVerifier;
  readonly revocations: RevocationView;
  /** `<base>/.well-known/oauth-protected-resource/mcp/<name>` for a route. */
  metadataUrl(server: string): string;
  /** Required scopes per server. */
  scopes(server: string): readonly string[];
  /** Whether the token was minted for this route (RFC 8707 audience restriction). */
  audienceFits(identity: Identity, server: string): boolean;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const MAX_HEADER = 16 * 1024;

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_HEADER) return undefined;
  return BEARER.exec(header)?.[1];
}

function challenge(auth: Authenticator, server: string, error?: string, description?: string): string {
  const parts = [`resource_metadata="${auth.metadataUrl(server)}"`];
  if (error) parts.unshift(`error="${error}"`);
  if (description) parts.push(`error_description="${description}"`);
  const scopes = auth.scopes(server);
  if (scopes.length > 0) parts.push(`scope="${scopes.join(' ')}"`);
  return `Bearer ${parts.join(', ')}`;
}

function unauthenticated(auth: Authenticator, server: string, why?: string): GatewayError {
  // The client learns only that the token is not good; the reason goes to the log via `cause`.
  return new GatewayError('CUSTOS_UNAUTHENTICATED', {
    challenge: challenge(
      auth,
      server,
      why === undefined ? undefined : 'invalid_token',
      why === undefined ? undefined : 'the access token is not valid',
    ),
    cause: why,
  });
}

/** Builds the step over a verifier and the revocation view (both compiled at boot). */
export function createAuthenticateStep(auth: Authenticator): (ex: Exchange) => void | Promise<void> {
  return (ex) => {
    const server = ex.upstream.name;
    const url = ex.req.url ?? '';
    // MCP authorization: access tokens MUST NOT be in the URI query string.
    if (/[?&](access_token|token)=/i.test(url)) throw unauthenticated(auth, server, 'token in query string');
    const header = ex.req.headers.authorization;
    if (header === undefined) throw unauthenticated(auth, server);
    if (header.length > MAX_HEADER) throw unauthenticated(auth, server, 'oversized token');
    const m = BEARER.exec(header);
    if (!m) throw unauthenticated(auth, server, 'not a bearer token');
    const token = m[1] as string;
    const verified = auth.verifier.verify(token);
    return verified.then(
      (identity) => admit(ex, auth, server, token, identity),
      (err: unknown) => {
        throw unauthenticated(auth, server, err instanceof Error ? err.message : 'verification failed');
      },
    );
  };
}

function admit(ex: Exchange, auth: Authenticator, server: string, token: string, identity: Identity): void {
  if (identity.expiresAt <= Date.now()) throw unauthenticated(auth, server, 'expired');
  if (!auth.audienceFits(identity, server))
    throw unauthenticated(auth, server, 'token is for another resource');
  if (auth.revocations.isRevoked(identity)) {
    throw new GatewayError('CUSTOS_REVOKED', {
      challenge: challenge(auth, server, 'invalid_token', 'the access token has been revoked'),
    });
  }
  const required = auth.scopes(server);
  for (const s of required) {
    if (!identity.scopes.includes(s)) {
      throw new GatewayError('CUSTOS_INSUFFICIENT_SCOPE', {
        challenge: challenge(
          auth,
          server,
          'insufficient_scope',
          `this server requires the scopes: ${required.join(' ')}`,
        ),
      });
    }
  }
  ex.identity = identity;
  ex.token = token;
}

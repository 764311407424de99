import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config, TokensAuthConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import type { Exchange, GatewayContext } from '../core/exchange.ts';
import { log } from '../core/log.ts';
import { bearerToken, createAuthenticateStep } from '../identity/authenticate.ts';
import { GATEWAY_ISSUER_NAME } from '../identity/claims.ts';
import {
  METADATA_PREFIX,
  metadataUrl,
  protectedResourceMetadata,
  resourceUrl,
} from '../identity/metadata.ts';
import { authenticateNone } from '../identity/none.ts';
import { createRevocationView } from '../identity/revocation.ts';
import { createScimHandler } from '../identity/scim.ts';
import { loadOrCreateSigningKey } from '../identity/signing-key.ts';
import { createTokenExchangeHandler } from '../identity/token-exchange.ts';
import type { Identity } from '../identity/types.ts';
import { createTokenVerifier } from '../identity/verify.ts';
import type { Store } from '../store/index.ts';
import { answerError } from '../transport/respond.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Everything authentication adds to a running gateway, built once at boot. */
export interface GatewayAuth {
  readonly authenticate: (ex: Exchange) => void | Promise<void>;
  /** Extra HTTP endpoints by exact path (metadata, SCIM, token exchange). */
  route(path: string): Handler | undefined;
  /**
   * Who is calling an admin endpoint: the same bearer-token verification as MCP calls (revocation
   * included), for a token whose audience is this gateway. Undefined with auth.mode: none.
   */
  readonly identify: ((req: IncomingMessage) => Promise<Identity>) | undefined;
  /** Starts cutting off revoked identities: their sessions and waiting exchanges end at once. */
  watch(ctx: GatewayContext, inflight: Iterable<Exchange>): void;
  close(): void;
}

export async function buildAuth(config: Readonly<Config>, store: Store, base: string): Promise<GatewayAuth> {
  if (config.auth.mode === 'none') {
    return {
      authenticate: authenticateNone,
      route: () => undefined,
      identify: undefined,
      watch: () => {},
      close: () => {},
    };
  }
  const auth: TokensAuthConfig = config.auth;
  const key = await loadOrCreateSigningKey(auth.gatewayTokens.keyFile);
  const servers = Object.keys(config.servers);
  const verifier = createTokenVerifier({
    issuers: auth.issuers,
    clockSkewSeconds: auth.clockSkewSeconds,
    // RFC 8707: a token names the resource it is for — this gateway, or one of its routes.
    audiences: [base, ...servers.map((s) => resourceUrl(base, s))],
    gatewayKey: { kid: key.kid, publicKey: key.publicKey },
  });
  const revocations = createRevocationView(store, { pollMs: 200 });
  const scopesOf = (server: string): readonly string[] => config.servers[server]?.scopes ?? [];
  // RFC 8707: a token for /mcp/crm opens /mcp/crm (or the whole gateway when its audience is the
  // base URL), not another route. Issuers with explicit `audiences` were told otherwise by the operator.
  const pinned = new Set(auth.issuers.filter((i) => i.audiences !== undefined).map((i) => i.name));
  const audienceFits = (identity: Identity, server: string): boolean =>
    identity.method === 'gateway' ||
    identity.issuer === GATEWAY_ISSUER_NAME ||
    pinned.has(identity.issuer) ||
    identity.audiences.includes(base) ||
    identity.audiences.includes(resourceUrl(base, server));
  const authenticate = createAuthenticateStep({
    verifier,
    revocations,
    metadataUrl: (server) => metadataUrl(base, server),
    scopes: scopesOf,
    audienceFits,
  });

  const routes = new Map<string, Handler>();
  for (const server of servers) {
    const doc = JSON.stringify(protectedResourceMetadata(auth, base, server, scopesOf(server)));
    routes.set(`${METADATA_PREFIX}/mcp/${server}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(doc);
    });
  }
  routes.set(
    '/oauth/token',
    createTokenExchangeHandler({
      verifier,
      revocations,
      key,
      maxTtlSeconds: auth.gatewayTokens.maxTtlSeconds,
      store,
    }),
  );
  if (auth.scim) {
    const scim = createScimHandler({ store, tokenFile: auth.scim.tokenFile, onDeprovision: () => {} });
    routes.set('/scim/v2/Users', scim);
  }

  // The admin API is the gateway's own resource: its base URL (RFC 8707), not one route's.
  const identify = async (req: IncomingMessage): Promise<Identity> => {
    const refuse = (why?: string): GatewayError =>
      new GatewayError('CUSTOS_UNAUTHENTICATED', {
        challenge: why === undefined ? 'Bearer' : 'Bearer error="invalid_token"',
        cause: why,
      });
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) throw refuse();
    let identity: Identity;
    try {
      identity = await verifier.verify(token);
    } catch (err) {
      throw refuse(err instanceof Error ? err.message : 'verification failed');
    }
    if (identity.expiresAt <= Date.now()) throw refuse('expired');
    const fits =
      identity.method === 'gateway' ||
      identity.issuer === GATEWAY_ISSUER_NAME ||
      pinned.has(identity.issuer) ||
      identity.audiences.includes(base);
    if (!fits) throw refuse('token is for another resource');
    if (revocations.isRevoked(identity)) throw new GatewayError('CUSTOS_REVOKED');
    return identity;
  };

  return {
    authenticate,
    identify,
    route(path) {
      const exact = routes.get(path);
      if (exact) return exact;
      // SCIM addresses single users as /scim/v2/Users/<id>.
      if (path.startsWith('/scim/v2/Users/')) return routes.get('/scim/v2/Users');
      return undefined;
    },
    watch(ctx, inflight) {
      revocations.onRevoked(() => cutOff(ctx, inflight, (id) => revocations.isRevoked(id)));
    },
    close() {
      verifier.close();
      revocations.close();
    },
  };
}

/**
 * A revoked identity is cut off everywhere at once: its waiting requests and open streams end
 * with CUSTOS_REVOKED, then its sessions close (stdio processes stopped, upstream sessions ended).
 * Revocations are rare; a full sweep is fine.
 */
function cutOff(ctx: GatewayContext, inflight: Iterable<Exchange>, revoked: (id: Identity) => boolean): void {
  let exchanges = 0;
  let sessions = 0;
  for (const ex of [...inflight]) {
    if (!ex.identity || !revoked(ex.identity)) continue;
    const err = new GatewayError('CUSTOS_REVOKED');
    if (ex.cancel) ex.cancel(err);
    else answerError(ex, err);
    exchanges++;
  }
  for (const s of [...ctx.sessions.all()]) {
    if (s.identity && revoked(s.identity)) {
      ctx.sessions.close(s);
      sessions++;
    }
  }
  if (exchanges + sessions > 0) log('info', 'revoked identity cut off', { exchanges, sessions });
}

/**
 * Verifies a bearer token outside a request, for a command run beside the gateway (`custos replay
 * --raw`): the same issuers, keys and revocations as the MCP routes. OIDC tokens must be for the
 * gateway's resource (`auth.resource`); gateway tokens need no audience.
 */
export async function verifyCallerToken(
  config: Readonly<Config>,
  store: Store,
  token: string,
): Promise<Identity> {
  if (config.auth.mode !== 'tokens') throw new Error('auth.mode is none: there is no identity to check');
  const auth: TokensAuthConfig = config.auth;
  const key = await loadOrCreateSigningKey(auth.gatewayTokens.keyFile);
  const base = auth.resource?.replace(/\/$/, '');
  const verifier = createTokenVerifier({
    issuers: auth.issuers,
    clockSkewSeconds: auth.clockSkewSeconds,
    audiences: base ? [base, ...Object.keys(config.servers).map((s) => resourceUrl(base, s))] : [],
    gatewayKey: { kid: key.kid, publicKey: key.publicKey },
  });
  const revocations = createRevocationView(store, { pollMs: 60_000 });
  try {
    const identity = await verifier.verify(token);
    if (revocations.isRevoked(identity)) throw new Error('this identity has been revoked');
    return identity;
  } catch (err) {
    throw new Error(
      `the token was refused: ${(err as { reason?: string }).reason ?? (err as Error).message}`,
    );
  } finally {
    verifier.close();
    revocations.close();
  }
}

import type { KeyObject } from 'node:crypto';
import type { CryptoKey, errors, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import type { IssuerConfig } from '../config/schema.ts';
import {
  type Claims,
  GATEWAY_TOKEN_AUDIENCE,
  GATEWAY_TOKEN_ISSUER,
  identityFromGatewayClaims,
  identityFromIssuerClaims,
} from './claims.ts';
import { jose } from './jose.ts';
import { createKeySource, type KeySource, KeysUnavailableError } from './jwks.ts';
import { TokenCache } from './token-cache.ts';
import { AuthError, type Identity, type TokenVerifier } from './types.ts';

// Every bearer token the gateway accepts passes here: access tokens from configured issuers
// (RFC 9068 JWT profile, OIDC, Kubernetes, GitHub Actions) and the gateway's own. The checks follow
// RFC 8725 (JWT BCP): an explicit algorithm allow-list per issuer, never `none` or HMAC (§3.1,
// §3.2); the issuer picked by the exact `iss` and its keys only from its configured or discovered
// JWKS (§3.8, §3.10); `aud` always checked (§3.9, RFC 8707 resource indicators); `exp` required.
// Verified tokens are cached until their `exp` so the hot path is one Map lookup.

/** RFC 8725 §3.1 / §3.2: no unsecured tokens, and no HMAC, whose "secret" could be a public key. */
const FORBIDDEN_ALGORITHMS = /^(none|HS\d+)$/i;
/** Larger tokens are refused before any parsing: nothing legitimate is that big. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface TokenVerifierOptions {
  readonly issuers: readonly IssuerConfig[];
  readonly clockSkewSeconds: number;
  /** Accepted `aud` values for issuers without their own `audiences`: the gateway's resource URL(s). */
  readonly audiences: readonly string[];
  /** The gateway's own Ed25519 public key, for tokens it issued. */
  readonly gatewayKey?: { readonly kid: string; readonly publicKey: KeyObject | CryptoKey } | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Share or inspect the cache; one is made when absent. */
  readonly cache?: TokenCache | undefined;
  /** Least time between JWKS refetches caused by an unknown `kid`, per issuer. Default 5 s. */
  readonly jwksRefetchIntervalMs?: number | undefined;
}

interface CompiledIssuer {
  readonly config: IssuerConfig;
  readonly keys: KeySource;
  readonly options: JWTVerifyOptions;
}

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier & { close(): void } {
  const cache = opts.cache ?? new TokenCache();
  const fetch = opts.fetch ?? globalThis.fetch;
  const skew = opts.clockSkewSeconds;
  if (!Number.isFinite(skew) || skew < 0 || skew > 300)
    throw new Error('clockSkewSeconds: 0 to 300 expected');

  const issuers = new Map<string, CompiledIssuer>();
  for (const config of opts.issuers) {
    if (issuers.has(config.issuer)) throw new Error(`issuers: "${config.issuer}" is configured twice`);
    if (config.issuer === GATEWAY_TOKEN_ISSUER) throw new Error(`issuers: "${config.issuer}" is reserved`);
    const bad = config.algorithms.find((a) => FORBIDDEN_ALGORITHMS.test(a));
    if (bad !== undefined || config.algorithms.length === 0) {
      throw new Error(`issuers.${config.name}.algorithms: ${bad ?? 'empty'} is not allowed`);
    }
    const audience = [...(config.audiences ?? opts.audiences)];
    if (audience.length === 0)
      throw new Error(`issuers.${config.name}: no accepted audience (set auth.resource)`);
    const keys = createKeySource({
      issuer: config.issuer,
      jwksUri: config.jwksUri,
      fetch,
      ...(opts.jwksRefetchIntervalMs !== undefined && { refetchIntervalMs: opts.jwksRefetchIntervalMs }),
      // A key left the JWKS: identities it vouched for must not outlive it in the cache.
      onKeysRemoved: () => cache.deleteWhere((identity) => identity.issuer === config.name),
    });
    issuers.set(config.issuer, {
      config,
      keys,
      options: {
        issuer: config.issuer,
        audience,
        algorithms: [...config.algorithms],
        clockTolerance: skew,
        requiredClaims: ['exp', 'sub'],
      },
    });
  }

  const gateway = opts.gatewayKey;
  const gatewayOptions: JWTVerifyOptions = {
    issuer: GATEWAY_TOKEN_ISSUER,
    audience: GATEWAY_TOKEN_AUDIENCE,
    algorithms: ['EdDSA'],
    clockTolerance: skew,
    requiredClaims: ['exp', 'sub', 'jti'],
  };

  const inflight = new Map<string, Promise<Identity>>();
  let closed = false;

  async function verifyUncached(token: string): Promise<Identity> {
    const { decodeJwt, decodeProtectedHeader } = await jose();
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new AuthError('malformed token');
    }
    const iss = unverified.iss;
    if (iss === GATEWAY_TOKEN_ISSUER) {
      if (gateway === undefined) throw new AuthError('gateway tokens are not enabled');
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw new AuthError('malformed token');
      }
      if (kid !== gateway.kid) throw new AuthError('gateway token: unknown kid');
      const claims = await checkedClaims(token, gateway.publicKey, gatewayOptions, 'gateway token');
      return identityFromGatewayClaims(claims, Date.now());
    }
    const issuer = typeof iss === 'string' ? issuers.get(iss) : undefined;
    if (issuer === undefined) throw new AuthError('unknown issuer');
    const claims = await checkedClaims(token, issuer.keys.getKey, issuer.options, issuer.config.name);
    return identityFromIssuerClaims(issuer.config, claims, Date.now());
  }

  /** Signature and registered claims (RFC 7519 §4.1), with jose's errors turned into AuthError. */
  async function checkedClaims(
    token: string,
    key: KeyObject | CryptoKey | JWTVerifyGetKey,
    options: JWTVerifyOptions,
    label: string,
  ): Promise<Claims> {
    const J = await jose();
    let payload: JWTPayload;
    try {
      payload = (await J.jwtVerify(token, key, options)).payload;
    } catch (err) {
      if (err instanceof J.errors.JWKSMultipleMatchingKeys) {
        // No `kid` and several keys fit (mid-rotation): RFC 7515 §6 lets the verifier try each.
        payload = await verifyWithAnyOf(token, err, options, label);
      } else {
        throw refusal(err, label, J);
      }
    }
    // RFC 7519 §4.1.6 does not forbid a future `iat`, but a token "issued" beyond the allowed skew
    // comes from a broken or hostile clock.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + skew) {
      throw new AuthError(`${label}: "iat" is in the future`);
    }
    return payload as Claims;
  }

  async function verifyWithAnyOf(
    token: string,
    candidates: errors.JWKSMultipleMatchingKeys,
    options: JWTVerifyOptions,
    label: string,
  ): Promise<JWTPayload> {
    const J = await jose();
    let last: unknown = candidates;
    for await (const key of candidates) {
      try {
        return (await J.jwtVerify(token, key, options)).payload;
      } catch (err) {
        last = err;
      }
    }
    throw refusal(last, label, J);
  }

  async function verifyAndCache(token: string): Promise<Identity> {
    try {
      const identity = await verifyUncached(token);
      if (!closed) cache.set(token, identity, Date.now());
      return identity;
    } catch (err) {
      const refused =
        err instanceof AuthError ? err : new AuthError('token verification failed', { cause: err });
      // An outage is not the token's fault: do not remember it as refused.
      if (!(refused instanceof KeysUnavailableError) && !closed)
        cache.setFailure(token, refused.reason, Date.now());
      throw refused;
    }
  }

  return {
    async verify(token: string): Promise<Identity> {
      if (closed) throw new AuthError('verifier closed');
      if (typeof token !== 'string' || token.length === 0) throw new AuthError('no token');
      if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('token too large');
      const now = Date.now();
      const hit = cache.get(token, now);
      if (hit !== undefined) return hit;
      const failed = cache.getFailure(token, now);
      if (failed !== undefined) throw new AuthError(failed);
      // The same token arriving on many connections at once is verified once.
      let pending = inflight.get(token);
      if (pending === undefined) {
        pending = verifyAndCache(token).finally(() => inflight.delete(token));
        inflight.set(token, pending);
      }
      return pending;
    },
    close() {
      closed = true;
      for (const issuer of issuers.values()) issuer.keys.close();
      if (opts.cache === undefined) cache.clear();
      inflight.clear();
    },
  };
}

/** A jose error as a log-safe reason: its code and message name the check, never the token. */
function refusal(err: unknown, label: string, J: typeof import('jose')): AuthError {
  if (err instanceof AuthError) return err;
  // No `cause`: jose's claim errors carry the whole claims set, which has no place in a log line.
  if (err instanceof J.errors.JOSEError) return new AuthError(`${label}: ${err.code}: ${err.message}`);
  return new AuthError(`${label}: token verification failed`, { cause: err });
}

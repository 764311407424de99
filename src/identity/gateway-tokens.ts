import { randomBytes } from 'node:crypto';
import { GATEWAY_TOKEN_AUDIENCE, GATEWAY_TOKEN_ISSUER } from './claims.ts';
import { jose } from './jose.ts';
import type { SigningKey } from './signing-key.ts';
import type { AuthMethod } from './types.ts';

// Tokens the gateway signs itself: for workloads that have no IdP (`custos token issue`) and for
// RFC 8693 token exchange. src/identity/verify.ts checks exactly these claims; keep them in step.

/** `iss` and `aud` of every gateway token: it is only ever presented back to this gateway. */
// One definition for the signer here and the verifier (claims.ts): they must never drift apart.
export {
  GATEWAY_TOKEN_AUDIENCE as GATEWAY_AUDIENCE,
  GATEWAY_TOKEN_ISSUER as GATEWAY_ISSUER,
} from './claims.ts';

export interface GatewayTokenRequest {
  /** The full identity subject: `custos:ci-nightly`, or `corp:alice` for an exchanged token. */
  subject: string;
  groups: readonly string[];
  scopes?: readonly string[];
  ttlSeconds: number;
  /** There are no never-expiring tokens: a TTL above this is refused, not capped. */
  maxTtlSeconds: number;
  user?: string;
  /** The original AuthMethod when the token was exchanged for another. */
  method?: AuthMethod;
  attributes?: Readonly<Record<string, string>>;
}

export interface IssuedGatewayToken {
  /** The compact JWS: hand it to the caller, never log or store it. */
  token: string;
  tokenId: string;
  /** ms since epoch (`iat` × 1000). */
  issuedAt: number;
  /** ms since epoch (`exp` × 1000). */
  expiresAt: number;
}

export async function issueGatewayToken(
  key: Pick<SigningKey, 'kid' | 'privateKey'>,
  req: GatewayTokenRequest,
): Promise<IssuedGatewayToken> {
  if (!Number.isSafeInteger(req.ttlSeconds) || req.ttlSeconds <= 0) {
    throw new RangeError(`token lifetime must be a positive whole number of seconds, not ${req.ttlSeconds}`);
  }
  if (req.ttlSeconds > req.maxTtlSeconds) {
    throw new RangeError(
      `token lifetime ${req.ttlSeconds} s is longer than the maximum of ${req.maxTtlSeconds} s (auth.gatewayTokens.maxTtlSeconds)`,
    );
  }
  if (req.subject.length === 0) throw new RangeError('a token needs a subject');

  const now = Math.floor(Date.now() / 1000);
  const exp = now + req.ttlSeconds;
  // 128 random bits: unguessable and collision-free, so a jti names exactly one token. Hex, not
  // base64url: one id in 64 would begin with `-` and read as an option on a command line.
  const tokenId = randomBytes(16).toString('hex');
  const claims: Record<string, unknown> = { groups: [...req.groups] };
  if (req.scopes && req.scopes.length > 0) claims.scope = req.scopes.join(' '); // RFC 8693 §4.2
  if (req.user !== undefined) claims.user = req.user;
  if (req.method !== undefined) claims.custos_method = req.method;
  if (req.attributes && Object.keys(req.attributes).length > 0) claims.custos_attrs = { ...req.attributes };

  const { SignJWT } = await jose();
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setIssuer(GATEWAY_TOKEN_ISSUER)
    .setAudience(GATEWAY_TOKEN_AUDIENCE)
    .setSubject(req.subject)
    .setJti(tokenId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, tokenId, issuedAt: now * 1000, expiresAt: exp * 1000 };
}

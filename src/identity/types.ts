// The identity contracts every authenticator, the revocation view and the gateway share.

/** How a caller proved who it is. */
export type AuthMethod = 'none' | 'oidc' | 'kubernetes' | 'github-actions' | 'gateway';

/** A verified caller. Everything here came from a verified token (or auth.mode: none). */
export interface Identity {
  /** Stable, issuer-qualified: `<issuer name>:<sub>` (e.g. `corp:248289761001`, `custos:ci-nightly`). */
  readonly subject: string;
  readonly method: AuthMethod;
  /** The configured issuer name that vouched for it (`custos` for gateway-issued tokens). */
  readonly issuer: string;
  /** The person or workload as the company's directory names it (SCIM userName), when the token says. */
  readonly user: string | undefined;
  readonly groups: readonly string[];
  /** OAuth scopes granted by the token (`scope` / `scp`). */
  readonly scopes: readonly string[];
  /** Workload facts policy can use: `repository`, `ref`, `workflow`; `namespace`, `serviceaccount` … */
  readonly attributes: Readonly<Record<string, string>>;
  /** The token's `aud` values (RFC 8707: which resources it is for); empty for gateway tokens. */
  readonly audiences: readonly string[];
  /** The token's `jti`, when it has one (gateway tokens always do). */
  readonly tokenId: string | undefined;
  /** When the token was issued (`iat`, else verification time), ms since epoch. */
  readonly issuedAt: number;
  /** When the token stops being valid, ms since epoch. */
  readonly expiresAt: number;
}

/** Why a token was refused; the client only ever sees `invalid_token` and a generic description. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly reason: string;
  constructor(reason: string, opts?: { cause?: unknown }) {
    super(reason, opts);
    this.reason = reason;
  }
}

export interface TokenVerifier {
  /** Verifies a bearer token (any configured issuer, or the gateway's own) or throws AuthError. */
  verify(token: string): Promise<Identity>;
}

/** What the gateway needs to know about revocations, kept current from the store. */
export interface RevocationView {
  /** Whether this identity has been revoked (by token id, by subject, or deprovisioned user). */
  isRevoked(identity: Identity): boolean;
  /** Called with every revocation as it becomes known (CLI, SCIM, another replica). */
  onRevoked(listener: (r: Revocation) => void): void;
}

export type Revocation =
  | { kind: 'token'; tokenId: string; at: number }
  | { kind: 'subject'; subject: string; at: number }
  | { kind: 'user'; user: string; at: number };

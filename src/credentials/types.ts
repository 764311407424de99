import type { Identity } from '../core/exchange.ts';

/** Where `level`/`msg`/`fields` go; src/core/log.ts's `log` fits. Fields never carry a secret. */
export type CredentialLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
) => void;

export interface CredentialSourceOptions {
  log?: CredentialLog;
  /** File sources: how often to stat the file in case a watch event was missed (default 1000 ms). */
  pollMs?: number;
  /** Token exchange: bound on one call to the token endpoint (default 10 000 ms). */
  timeoutMs?: number;
}

/** What an operator may see about a credential: which one is in use, never the value. */
export interface CredentialStatus {
  server: string;
  source: 'file' | 'env' | 'tokenExchange';
  /** A fingerprint of the value in use (fingerprint.ts), or 'per-user' for token exchange. */
  version: string;
  /** File: mtime of the value in use; env: when it was read; token exchange: last successful exchange. */
  updatedAt: number | null;
  /** Whether `get` can answer now. */
  ok: boolean;
  /** The last problem (never a secret, never a response body); set with ok:true while an older value is still served. */
  error?: string;
}

/** The secret the gateway holds for one upstream; clients never see it. */
export interface CredentialSource {
  /** The secret for this call; throws GatewayError CUSTOS_UPSTREAM_CREDENTIAL when there is none. */
  get(ex: { identity?: Identity | undefined; token?: string | undefined }): string | Promise<string>;
  status(): CredentialStatus;
  /** Stops watchers, timers and connections. */
  close(): void;
}

/** Where the secret goes on the upstream call: an HTTP header (with a prefix) or a stdio environment variable. */
export interface CredentialInjection {
  header?: string;
  prefix: string;
  envVar?: string;
}

/** The per-server shape the gateway keeps in `GatewayContext.credentials`. */
export type ServerCredential = CredentialSource & { inject: CredentialInjection };

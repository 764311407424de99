import { credentialUnavailable } from './credential-error.ts';
import { fingerprintSync } from './fingerprint.ts';
import type { CredentialSource, CredentialSourceOptions, CredentialStatus } from './types.ts';

/** A secret in the gateway's environment, read once at start (an environment cannot change under a running process). */
export function createEnvSource(
  server: string,
  name: string,
  opts: CredentialSourceOptions = {},
): CredentialSource {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? undefined : raw;
  const readAt = Date.now();
  const version = value === undefined ? 'none' : `env:${fingerprintSync(value)}`;
  const problem = value === undefined ? `environment variable ${name} is not set` : undefined;
  if (problem)
    opts.log?.('warn', 'upstream credential unavailable', { server, source: 'env', reason: problem });
  return {
    get() {
      if (value === undefined) throw credentialUnavailable(server, problem ?? 'not set');
      return value;
    },
    status(): CredentialStatus {
      const st: CredentialStatus = {
        server,
        source: 'env',
        version,
        updatedAt: value === undefined ? null : readAt,
        ok: value !== undefined,
      };
      if (problem !== undefined) st.error = problem;
      return st;
    },
    close() {},
  };
}

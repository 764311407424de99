import { type Config, ConfigError } from '../config/index.ts';
import type { Exchange } from '../core/exchange.ts';
import { BAD_HEADER_VALUE } from '../core/http-header.ts';
import { log } from '../core/log.ts';
import { credentialUnavailable } from './credential-error.ts';
import { createCredentialSource } from './source.ts';
import type { CredentialSourceOptions, ServerCredential } from './types.ts';

export type { ServerCredential };

// The credential step: right before the upstream call, put the secret Custos holds for this
// upstream where the upstream expects it. The caller's own Authorization never gets this far
// (transport/upstream-http forwards only protocol headers), so the upstream sees Custos's secret
// and the client never sees it.

/** Builds every configured server's credential at boot. A missing secret does not stop the gateway: its calls answer 502. */
export function buildServerCredentials(
  config: Readonly<Config>,
  opts: CredentialSourceOptions = { log },
): Map<string, ServerCredential> {
  const out = new Map<string, ServerCredential>();
  try {
    for (const [name, server] of Object.entries(config.servers)) {
      const c = server.credentials;
      if (c === undefined) continue;
      // A stdio process's environment is fixed when it starts, and a 2026-07-28 stdio process is
      // shared by every caller: one user's exchanged token would serve everyone's calls.
      if (c.tokenExchange !== undefined && server.http === undefined) {
        throw new ConfigError(
          `servers.${name}.credentials.tokenExchange: only for http servers (a stdio process's environment is shared and fixed at start)`,
        );
      }
      const source = createCredentialSource(name, c, opts);
      // Lowercased: the HTTP transport keys its headers in lowercase, so a configured 'X-Api-Key'
      // replaces a static 'x-api-key' instead of being sent twice.
      const inject =
        server.http !== undefined
          ? { header: c.header.toLowerCase(), prefix: c.prefix }
          : { prefix: '', ...(c.envVar !== undefined ? { envVar: c.envVar } : {}) };
      out.set(name, Object.assign(source, { inject }));
    }
  } catch (err) {
    for (const c of out.values()) c.close();
    throw err;
  }
  return out;
}

function apply(ex: Exchange, cred: ServerCredential, secret: string): void {
  const server = ex.upstream.name;
  if (ex.upstream.kind === 'http') {
    const header = cred.inject.header ?? 'authorization';
    const value = cred.inject.prefix + secret;
    // A header value may not contain CR, LF or NUL (RFC 9110 §5.5): a secret that did would split the request.
    if (BAD_HEADER_VALUE.test(value))
      throw credentialUnavailable(server, 'the credential is not a valid header value');
    ex.upstreamHeaders = { ...ex.upstreamHeaders, [header]: value };
    return;
  }
  const envVar = cred.inject.envVar;
  // The schema requires envVar for stdio servers; NUL cannot be passed in an environment.
  if (envVar === undefined) throw credentialUnavailable(server, 'no credentials.envVar for a stdio server');
  if (secret.includes('\0')) throw credentialUnavailable(server, 'the credential contains a NUL byte');
  ex.upstreamEnv = { ...ex.upstreamEnv, [envVar]: secret };
}

/** The pipeline step. Synchronous for file and env secrets; a promise only while a token exchange runs. */
export function attachCredential(ex: Exchange): void | Promise<void> {
  // `?.`: a context built without credentials (tests, tools) has nothing to attach.
  const cred = ex.ctx.credentials?.get(ex.upstream.name);
  if (cred === undefined) return;
  const secret = cred.get(ex);
  if (typeof secret === 'string') return apply(ex, cred, secret);
  return secret.then((s: string) => apply(ex, cred, s));
}

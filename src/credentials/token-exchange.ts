import type { Agent, request } from 'undici';
import type { CredentialsConfig } from '../config/index.ts';
import { BAD_HEADER_VALUE } from '../core/http-header.ts';
import { credentialUnavailable } from './credential-error.ts';
import { createFileSource } from './file-source.ts';
import type { CredentialSource, CredentialSourceOptions, CredentialStatus } from './types.ts';

// Per-user upstream credentials by OAuth 2.0 Token Exchange (RFC 8693): the caller's token is the
// subject_token, the upstream's authorization server answers with a token for the upstream, and
// Custos is the client (RFC 8693 §2.1, client authentication per RFC 6749 §2.3.1).

type TokenExchangeConfig = NonNullable<CredentialsConfig['tokenExchange']>;

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_CACHED_SUBJECTS = 10_000;
/**
 * RFC 6749 §5.2 and RFC 8693 §2.2.2 error codes. Only these are copied from an error answer: a
 * closed set cannot carry a secret, while `error_description` and the rest of the body could.
 */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
]);

interface Cached {
  token: string;
  /** Shortly before the token's expiry: refreshed then, so no call carries a token about to lapse. */
  refreshAt: number;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** Refresh a tenth of the lifetime early, at most a minute: a 1 h token at 59 min, a 60 s one at 54 s. */
function refreshMarginMs(expiresInS: number): number {
  return Math.min(60, expiresInS / 10) * 1000;
}

async function readBounded(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function createTokenExchangeSource(
  server: string,
  cfg: TokenExchangeConfig,
  opts: CredentialSourceOptions = {},
): CredentialSource {
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // The client secret is a file like any other: rotated the same way, without a restart.
  const clientSecret = cfg.clientSecretFile
    ? createFileSource(server, cfg.clientSecretFile, opts)
    : undefined;
  // undici's index (fetch, WebSocket, caches) loads on the first exchange, not at the gateway's
  // start: loading it takes ~60 ms of a ~300 ms cold start here.
  let client: { request: typeof request; agent: Agent } | undefined;
  const http = async (): Promise<{ request: typeof request; agent: Agent }> => {
    if (!client) {
      const undici = await import('undici');
      client ??= {
        request: undici.request,
        agent: new undici.Agent({ keepAliveTimeout: 30_000, connect: { timeout: timeoutMs } }),
      };
    }
    return client;
  };
  const cache = new Map<string, Cached>(); // keyed by identity subject
  const inflight = new Map<string, Promise<string>>();
  let lastSuccessAt: number | null = null;
  let lastFailure: string | undefined;

  const fail = (reason: string) => {
    lastFailure = reason;
    log('warn', 'upstream token exchange failed', { server, source: 'tokenExchange', reason });
    return credentialUnavailable(server, `token exchange: ${reason}`);
  };

  async function exchange(subjectToken: string): Promise<{ token: string; refreshAt: number | undefined }> {
    const form = new URLSearchParams({
      grant_type: GRANT_TYPE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      // It goes in the upstream's Authorization header, so ask for an access token.
      requested_token_type: ACCESS_TOKEN_TYPE,
    });
    if (cfg.audience !== undefined) form.set('audience', cfg.audience);
    if (cfg.scope !== undefined) form.set('scope', cfg.scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // client_secret_basic with a secret; a public client names itself in the body (RFC 6749 §3.2.1).
    if (clientSecret) headers.authorization = basicAuth(cfg.clientId, clientSecret.get({}) as string);
    else form.set('client_id', cfg.clientId);

    const sentAt = Date.now();
    let res: Awaited<ReturnType<typeof request>>;
    try {
      const { request, agent } = await http();
      res = await request(cfg.tokenEndpoint, {
        method: 'POST',
        headers,
        body: form.toString(),
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      throw fail(`token endpoint unreachable: ${e.code ?? e.name}`);
    }
    let json: Record<string, unknown> | undefined;
    try {
      json = parseJson(await readBounded(res.body));
    } catch (err) {
      const e = err as Error & { code?: string };
      throw fail(`token endpoint answer broke off: ${e.code ?? e.name}`);
    }
    if (res.statusCode !== 200) {
      const code = typeof json?.error === 'string' && OAUTH_ERRORS.has(json.error) ? ` ${json.error}` : '';
      throw fail(`token endpoint answered ${res.statusCode}${code}`);
    }
    const token = json?.access_token;
    // A token with a line break would split the upstream's header: refuse it here.
    if (typeof token !== 'string' || token === '' || BAD_HEADER_VALUE.test(token)) {
      throw fail('token endpoint answer has no usable access_token');
    }
    const expiresIn = json?.expires_in;
    lastSuccessAt = Date.now();
    lastFailure = undefined;
    // Without expires_in the lifetime is unknown: the token is used for this call only, not cached.
    const refreshAt =
      typeof expiresIn === 'number' && expiresIn > 0
        ? sentAt + expiresIn * 1000 - refreshMarginMs(expiresIn)
        : undefined;
    return { token, refreshAt };
  }

  function remember(subject: string, entry: Cached): void {
    cache.delete(subject);
    if (cache.size >= MAX_CACHED_SUBJECTS) {
      const now = Date.now();
      for (const [k, v] of cache) if (v.refreshAt <= now) cache.delete(k);
      // Still full: drop the least recently stored (Map keeps insertion order).
      if (cache.size >= MAX_CACHED_SUBJECTS) cache.delete(cache.keys().next().value as string);
    }
    cache.set(subject, entry);
  }

  return {
    get(ex) {
      const subject = ex.identity?.subject;
      if (ex.token === undefined || subject === undefined) {
        throw credentialUnavailable(server, 'token exchange needs the caller token (auth.mode: tokens)');
      }
      const hit = cache.get(subject);
      if (hit && hit.refreshAt > Date.now()) return hit.token;
      // One exchange per subject at a time: concurrent calls wait for the same answer.
      const pending = inflight.get(subject);
      if (pending) return pending;
      const token = ex.token;
      const p = (async () => {
        try {
          const r = await exchange(token);
          if (r.refreshAt !== undefined) remember(subject, { token: r.token, refreshAt: r.refreshAt });
          else cache.delete(subject);
          return r.token;
        } finally {
          inflight.delete(subject);
        }
      })();
      inflight.set(subject, p);
      return p;
    },
    status(): CredentialStatus {
      const secret = clientSecret?.status();
      const st: CredentialStatus = {
        server,
        source: 'tokenExchange',
        version: 'per-user',
        updatedAt: lastSuccessAt,
        ok: secret?.ok ?? true,
      };
      if (secret?.error !== undefined) st.error = `client secret: ${secret.error}`;
      else if (lastFailure !== undefined) st.error = `last exchange: ${lastFailure}`;
      return st;
    },
    close() {
      clientSecret?.close();
      cache.clear();
      void client?.agent.close().catch(() => {});
    },
  };
}

import type { CompactJWSHeaderParameters, CryptoKey, FlattenedJWSInput, JSONWebKeySet } from 'jose';
import { jose } from './jose.ts';
import { AuthError } from './types.ts';

// One issuer's signing keys: discovery (OpenID Connect Discovery 1.0 §4) once, then the JWKS
// (RFC 7517 §5), cached. A token whose `kid` the cached set does not hold triggers a refetch, at
// most once per `refetchIntervalMs`: a key rotated into the JWKS is accepted within seconds, a key
// rotated out is refused once the set has been fetched again, and a stream of made-up `kid`s costs
// the issuer one request per interval, not one per token. Keys only ever come from the configured
// or discovered jwks_uri: `jku`, `x5u` and `jwk` headers are never read here (RFC 8725 §3.10).

/** The keys could not be had at all (network, HTTP status, bad JSON); not the token's fault. */
export class KeysUnavailableError extends AuthError {}

export interface KeySourceOptions {
  /** The configured `issuer` (exact `iss`). */
  readonly issuer: string;
  /** Skips discovery when set. */
  readonly jwksUri?: string | undefined;
  readonly fetch: typeof globalThis.fetch;
  /** Least time between two fetches caused by an unknown `kid`. Default 5 s. */
  readonly refetchIntervalMs?: number;
  /** The set is fetched again when older than this, even without a miss. Default 10 min. */
  readonly maxAgeMs?: number;
  /** Per request. Default 5 s. */
  readonly timeoutMs?: number;
  /** Called when a fetch shows that a key has left the set (cached identities it vouched for must go). */
  readonly onKeysRemoved?: () => void;
}

export type KeyResolver = (
  header: CompactJWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

export interface KeySource {
  readonly getKey: KeyResolver;
  close(): void;
}

const MAX_DOCUMENT_BYTES = 512 * 1024;

export function createKeySource(opts: KeySourceOptions): KeySource {
  const refetchIntervalMs = opts.refetchIntervalMs ?? 5_000;
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const closing = new AbortController();

  let jwksUri = opts.jwksUri;
  let local: KeyResolver | undefined;
  let fingerprints = new Set<string>();
  let fetchedAt = 0;
  let lastMissRefetch = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  async function fetchJson(url: string): Promise<unknown> {
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await opts.fetch(url, { headers: { accept: 'application/json' }, signal });
    } catch (cause) {
      throw new KeysUnavailableError(`fetching ${url} failed`, { cause });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new KeysUnavailableError(`fetching ${url} failed: HTTP ${res.status}`);
    }
    const text = await readCapped(res, MAX_DOCUMENT_BYTES, url);
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new KeysUnavailableError(`${url} is not JSON`, { cause });
    }
  }

  async function discover(): Promise<string> {
    // OIDC Discovery §4: strip a trailing "/" before appending the well-known path.
    const url = `${opts.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const doc = await fetchJson(url);
    if (typeof doc !== 'object' || doc === null) throw new KeysUnavailableError(`${url}: not an object`);
    const meta = doc as { issuer?: unknown; jwks_uri?: unknown };
    // OIDC Discovery §4.3: the document's issuer MUST equal the issuer it was fetched for.
    if (meta.issuer !== opts.issuer) throw new KeysUnavailableError(`${url}: issuer does not match`);
    if (typeof meta.jwks_uri !== 'string' || !/^https?:\/\//.test(meta.jwks_uri)) {
      throw new KeysUnavailableError(`${url}: no http(s) jwks_uri`);
    }
    return meta.jwks_uri;
  }

  async function load(): Promise<void> {
    const uri = jwksUri ?? (await discover());
    let set: JSONWebKeySet;
    try {
      const doc = await fetchJson(uri);
      set = doc as JSONWebKeySet;
      local = (await jose()).createLocalJWKSet(set) as KeyResolver;
    } catch (cause) {
      // A discovered jwks_uri may have moved: discover again next time.
      if (opts.jwksUri === undefined) jwksUri = undefined;
      if (cause instanceof AuthError) throw cause;
      throw new KeysUnavailableError(`${uri}: not a JSON Web Key Set`, { cause });
    }
    jwksUri = uri;
    fetchedAt = Date.now();
    const next = new Set(set.keys.map((k) => JSON.stringify(k)));
    const removed = [...fingerprints].some((f) => !next.has(f));
    fingerprints = next;
    if (removed) opts.onKeysRemoved?.();
  }

  /** One fetch at a time; callers arriving meanwhile share it. */
  function reload(): Promise<void> {
    loading ??= load().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  async function current(): Promise<KeyResolver> {
    if (local === undefined) {
      // Without any keys, an issuer that is down is asked again once per interval, not per token.
      if (Date.now() - failedAt < refetchIntervalMs) throw new KeysUnavailableError('keys unavailable');
      try {
        await reload();
      } catch (err) {
        failedAt = Date.now();
        throw err;
      }
    } else if (Date.now() - fetchedAt > maxAgeMs) {
      try {
        await reload();
      } catch {
        // Keep serving the keys we have rather than lock everyone out while the issuer is down;
        // try again after the refetch interval instead of on every request.
        fetchedAt = Date.now() - maxAgeMs + refetchIntervalMs;
      }
    }
    return local as KeyResolver;
  }

  /** Refetches because of an unknown `kid`, unless one happened within the interval. */
  async function refetchOnMiss(): Promise<boolean> {
    if (loading !== undefined) {
      await loading;
      return true;
    }
    const now = Date.now();
    if (now - lastMissRefetch < refetchIntervalMs) return false;
    lastMissRefetch = now;
    await reload();
    return true;
  }

  async function getKey(header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    if (closing.signal.aborted) throw new KeysUnavailableError('verifier closed');
    const keys = await current();
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof (await jose()).errors.JWKSNoMatchingKey)) throw err;
      if (!(await refetchOnMiss()) || local === keys) throw err;
      return (local as KeyResolver)(header, token);
    }
  }

  return {
    getKey,
    close() {
      closing.abort();
    },
  };
}

/** Reads at most `max` bytes of a body: a hostile or broken endpoint cannot make us buffer gigabytes. */
async function readCapped(res: Response, max: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel();
    throw new KeysUnavailableError(`${url}: response too large`);
  }
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new KeysUnavailableError(`${url}: response too large`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile, type TokensAuthConfig } from '../config/index.ts';
import { issueGatewayToken } from '../identity/gateway-tokens.ts';
import { loadOrCreateSigningKey, SigningKeyError } from '../identity/signing-key.ts';
import { type IssuedToken, openSqliteStore, type Store } from '../store/index.ts';

// `custos token …`: gateway tokens for what has no identity provider (docs/identity.md). The
// token string goes to stdout once and is never stored or logged; the store keeps its jti,
// subject, grants and expiry so it can be listed and revoked.

export const TOKEN_USAGE = `usage:
  custos token issue  --config <file> --subject <name> --ttl <30m|1h|7d> [--group <g>]... [--scope <s>]...
                      [--description <text>]
  custos token list   --config <file> [--json]
  custos token revoke --config <file> <jti> [--reason <text>]
  custos token revoke --config <file> --jti=<jti> [--reason <text>]   (a jti that begins with -)
  custos token revoke --config <file> --subject <subject> [--reason <text>]
`;

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
// Printable ASCII without spaces: subjects, groups and scopes travel space-separated (RFC 6749 §3.3).
const WORD = /^[\x21-\x7e]{1,256}$/;

/** A lifetime such as `90s`, `30m`, `1h`, `7d` (or bare seconds), in seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,8})([smhd]?)$/.exec(text.trim());
  return m ? Number(m[1]) * (UNITS[m[2] || 's'] as number) : undefined;
}

class UsageError extends Error {}

/** Runs `custos token <sub-command> …`; returns the exit code (2: usage, 1: failure). */
export async function runTokenCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'issue':
        return await issue(rest);
      case 'list':
        return await list(rest);
      case 'revoke':
        return await revoke(rest);
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(TOKEN_USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown sub-command '${sub}'`);
    }
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`custos token: ${(err as Error).message}\n${TOKEN_USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`custos token: invalid configuration\n${err.message}\n`);
      return 2;
    }
    if (err instanceof SigningKeyError) {
      process.stderr.write(`custos token: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function tokensConfig(file: string | undefined): { auth: TokensAuthConfig; storePath: string } {
  if (!file) throw new UsageError('--config <file> is required');
  const config = loadConfigFile(file);
  if (config.auth.mode !== 'tokens')
    throw new ConfigError(`${file}: auth.mode: must be "tokens" to use gateway tokens`);
  return { auth: config.auth, storePath: config.store.sqlite.path };
}

async function withStore<T>(path: string, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openSqliteStore({ path });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function issue(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      subject: { type: 'string' },
      group: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      ttl: { type: 'string' },
      description: { type: 'string' },
    },
    strict: true,
  });
  const { auth, storePath } = tokensConfig(values.config);
  if (!values.subject || !WORD.test(values.subject)) {
    throw new UsageError('--subject <name> is required (printable characters, no spaces)');
  }
  if (!values.ttl) throw new UsageError('--ttl is required: gateway tokens always expire (e.g. --ttl 1h)');
  const ttl = parseDuration(values.ttl);
  if (ttl === undefined)
    throw new UsageError(`--ttl ${values.ttl}: expected a duration such as 30m, 1h or 7d`);
  const max = auth.gatewayTokens.maxTtlSeconds;
  if (ttl > max) {
    process.stderr.write(
      `custos token issue: --ttl ${values.ttl} (${ttl} s) is longer than auth.gatewayTokens.maxTtlSeconds (${max} s)\n`,
    );
    return 2;
  }
  const groups = [...new Set(values.group ?? [])];
  const scopes = [...new Set(values.scope ?? [])];
  for (const w of [...groups, ...scopes]) {
    if (!WORD.test(w))
      throw new UsageError(`'${w}': groups and scopes are printable characters without spaces`);
  }
  // Gateway-issued subjects live under `custos:`, so a token never poses as an IdP's subject.
  const subject = values.subject.startsWith('custos:') ? values.subject : `custos:${values.subject}`;

  const key = await loadOrCreateSigningKey(auth.gatewayTokens.keyFile);
  const issued = await issueGatewayToken(key, {
    subject,
    groups,
    scopes,
    ttlSeconds: ttl,
    maxTtlSeconds: max,
  });
  await withStore(storePath, (store) =>
    store.recordIssuedToken({
      jti: issued.tokenId,
      subject,
      groups,
      scopes,
      issuedAt: issued.issuedAt,
      expiresAt: issued.expiresAt,
      revokedAt: null,
      description: values.description ?? null,
    }),
  );
  process.stdout.write(`${issued.token}\n`);
  process.stderr.write(
    `issued ${issued.tokenId} for ${subject}, expires ${new Date(issued.expiresAt).toISOString()}\n`,
  );
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
    strict: true,
  });
  const { storePath } = tokensConfig(values.config);
  const rows = await withStore(storePath, (store) => {
    const subjectRevokedAt = new Map<string, number>();
    for (const r of store.revocationsSince(0)) {
      if (r.kind !== 'subject') continue;
      if (r.action === 'lift') subjectRevokedAt.delete(r.value);
      else subjectRevokedAt.set(r.value, Math.max(r.at, subjectRevokedAt.get(r.value) ?? 0));
    }
    return store.listIssuedTokens().map((t) => describe(t, subjectRevokedAt.get(t.subject)));
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const table = [
    ['JTI', 'SUBJECT', 'GROUPS', 'SCOPES', 'EXPIRES', 'STATUS'],
    ...rows.map((r) => [
      r.jti,
      r.subject,
      r.groups.join(',') || '-',
      r.scopes.join(',') || '-',
      r.expiresAt,
      r.status,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)));
  for (const row of table)
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

function describe(t: IssuedToken, subjectRevokedAt: number | undefined) {
  // The same rule the gateway applies: a subject revocation kills tokens issued at or before it.
  const revoked = t.revokedAt !== null || (subjectRevokedAt !== undefined && subjectRevokedAt >= t.issuedAt);
  const status = revoked ? 'revoked' : t.expiresAt <= Date.now() ? 'expired' : 'active';
  return {
    jti: t.jti,
    subject: t.subject,
    groups: t.groups,
    scopes: t.scopes,
    issuedAt: new Date(t.issuedAt).toISOString(),
    expiresAt: new Date(t.expiresAt).toISOString(),
    revoked,
    status,
    description: t.description,
  };
}

async function revoke(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      subject: { type: 'string' },
      // For an id that begins with `-` (an IdP's jti may): `--jti=-…`, or bare after `--`.
      jti: { type: 'string' },
      reason: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const { storePath } = tokensConfig(values.config);
  const ids = values.jti === undefined ? positionals : [values.jti, ...positionals];
  const bySubject = values.subject !== undefined && ids.length === 0;
  if (!bySubject && !(values.subject === undefined && ids.length === 1)) {
    throw new UsageError('give either one <jti> (or --jti=<jti>) or --subject <subject>');
  }
  const reason = values.reason ?? null;
  return withStore(storePath, (store) => {
    const at = Date.now();
    if (bySubject && values.subject !== undefined) {
      // A bare name means a gateway-issued subject; IdP subjects are given in full (`corp:alice`).
      const subject = values.subject.includes(':') ? values.subject : `custos:${values.subject}`;
      store.addRevocation({ kind: 'subject', value: subject, at, reason });
      process.stdout.write(`revoked every token of ${subject} issued before ${new Date(at).toISOString()}\n`);
      return 0;
    }
    const jti = ids[0] as string;
    if (jti.length === 0) throw new UsageError('the jti is empty');
    const known = store.getIssuedToken(jti);
    if (known && known.revokedAt !== null) {
      process.stdout.write(`${jti} was already revoked at ${new Date(known.revokedAt).toISOString()}\n`);
      return 0;
    }
    // An unknown id may come from another store; revoking it anyway is the safe side.
    if (!known)
      process.stderr.write(`custos token revoke: ${jti} is not in this store; revoking it anyway\n`);
    store.addRevocation({ kind: 'token', value: jti, at, reason });
    process.stdout.write(`revoked ${jti}\n`);
    return 0;
  });
}

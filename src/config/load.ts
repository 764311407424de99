import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PARSE_ONCE } from '../core/parse-once.ts';
import { type Config, configSchema } from './schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

function formatIssue(file: string, issue: z.core.$ZodIssue): string {
  const at = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys')
    return `${file}: ${at}: unknown key ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  return `${file}: ${at}: ${issue.message}`;
}

/** Validates an already parsed object; `file` is only used to name the source in errors. */
export function parseConfig(raw: unknown, file = 'config'): Readonly<Config> {
  const result = configSchema.safeParse(raw ?? {}, PARSE_ONCE);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => formatIssue(file, i)).join('\n'));
  }
  return deepFreeze(result.data);
}

/** Reads, parses and validates a YAML (or JSON) config file; relative paths resolve against it. */
export function loadConfigFile(file: string): Readonly<Config> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`).join('\n'));
  }
  const config = parseConfig(doc.toJS(), file);
  return resolvePaths(config, dirname(resolve(file)));
}

function resolvePaths(config: Readonly<Config>, base: string): Readonly<Config> {
  const copy = structuredClone(config) as Config;
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  if (copy.store.sqlite.path !== ':memory:') copy.store.sqlite.path = at(copy.store.sqlite.path);
  // Key and secret files too: `custos serve` and `custos token` must find the same signing key
  // whatever directory each was started from.
  if (copy.policy) copy.policy.file = at(copy.policy.file);
  if (copy.masking?.hmacKeyFile !== undefined) copy.masking.hmacKeyFile = at(copy.masking.hmacKeyFile);
  const audit = copy.audit;
  if (audit.signingKeyFile !== undefined) audit.signingKeyFile = at(audit.signingKeyFile);
  if (audit.keyFile !== undefined) audit.keyFile = at(audit.keyFile);
  if (audit.checkpoints.file !== undefined) audit.checkpoints.file = at(audit.checkpoints.file);
  if (copy.approvals?.webhook) copy.approvals.webhook.secretFile = at(copy.approvals.webhook.secretFile);
  if (copy.auth.mode === 'tokens') {
    copy.auth.gatewayTokens.keyFile = at(copy.auth.gatewayTokens.keyFile);
    if (copy.auth.scim) copy.auth.scim.tokenFile = at(copy.auth.scim.tokenFile);
  }
  for (const s of Object.values(copy.servers)) {
    if (s.stdio?.cwd !== undefined) s.stdio.cwd = at(s.stdio.cwd);
    if (s.credentials?.file !== undefined) s.credentials.file = at(s.credentials.file);
    const te = s.credentials?.tokenExchange;
    if (te?.clientSecretFile !== undefined) te.clientSecretFile = at(te.clientSecretFile);
  }
  return deepFreeze(copy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

import type { CredentialsConfig } from '../config/index.ts';
import { createEnvSource } from './env-source.ts';
import { createFileSource } from './file-source.ts';
import { createTokenExchangeSource } from './token-exchange.ts';
import type { CredentialSource, CredentialSourceOptions } from './types.ts';

/** The source a server's `credentials` block names (the schema guarantees exactly one). */
export function createCredentialSource(
  server: string,
  cfg: CredentialsConfig,
  opts: CredentialSourceOptions = {},
): CredentialSource {
  if (cfg.file !== undefined) return createFileSource(server, cfg.file, opts);
  if (cfg.env !== undefined) return createEnvSource(server, cfg.env, opts);
  if (cfg.tokenExchange !== undefined) return createTokenExchangeSource(server, cfg.tokenExchange, opts);
  throw new Error(`servers.${server}.credentials: exactly one of "file", "env" or "tokenExchange"`);
}

export { ConfigError, loadConfigFile, parseConfig } from './load.ts';
export type {
  AuthConfig,
  Config,
  CredentialsConfig,
  HttpUpstreamConfig,
  IssuerConfig,
  ServerConfig,
  StdioUpstreamConfig,
  TokensAuthConfig,
} from './schema.ts';

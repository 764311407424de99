export { ConfigError, loadConfigFile, parseConfig } from './load.ts';
export type { Config, HttpUpstreamConfig, ServerConfig, StdioUpstreamConfig } from './schema.ts';

import type { TokensAuthConfig } from '../config/index.ts';

// RFC 9728 OAuth 2.0 Protected Resource Metadata, one document per route: the resource
// identifier is the route's URL (RFC 8707), so a token minted for /mcp/crm names that URL.

export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export function metadataUrl(base: string, server: string): string {
  return `${base}${METADATA_PREFIX}/mcp/${server}`;
}

export function resourceUrl(base: string, server: string): string {
  return `${base}/mcp/${server}`;
}

export function protectedResourceMetadata(
  auth: TokensAuthConfig,
  base: string,
  server: string,
  scopes: readonly string[],
): Record<string, unknown> {
  return {
    resource: resourceUrl(base, server),
    // Where people and workloads get tokens: the configured OIDC providers. Workload issuers
    // (Kubernetes, CI) mint their own tokens and are not places a client could log in.
    authorization_servers: auth.issuers.filter((i) => i.kind === 'oidc').map((i) => i.issuer),
    bearer_methods_supported: ['header'],
    scopes_supported: [...scopes],
    resource_name: `Custos route ${server}`,
  };
}

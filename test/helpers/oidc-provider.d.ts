// oidc-provider ships no type declarations and @types/oidc-provider is not installed; this is the
// little of its API the tests use (https://github.com/panva/node-oidc-provider/blob/main/docs/README.md).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    /** A Node request listener serving every endpoint of the provider. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}

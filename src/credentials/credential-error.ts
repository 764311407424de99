import { GatewayError } from '../core/errors.ts';

/** The internal reason, kept as the cause: the runner logs it with the request id; the client never sees it. */
export class CredentialUnavailableError extends Error {
  override readonly name = 'CredentialUnavailable';
}

/**
 * The error every source throws. The client gets the code and the server's name; the reason (a file
 * path and errno, an HTTP status) goes to the log only. Callers never pass a secret or a response body.
 */
export function credentialUnavailable(server: string, reason: string): GatewayError {
  return new GatewayError('CUSTOS_UPSTREAM_CREDENTIAL', {
    detail: `server '${server}'`,
    cause: new CredentialUnavailableError(`${server}: ${reason}`),
  });
}

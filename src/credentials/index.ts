export { CredentialUnavailableError, credentialUnavailable } from './credential-error.ts';
export { fingerprint, fingerprintSync } from './fingerprint.ts';
export { createCredentialSource } from './source.ts';
export { attachCredential, buildServerCredentials } from './step.ts';
export type {
  CredentialInjection,
  CredentialLog,
  CredentialSource,
  CredentialSourceOptions,
  CredentialStatus,
  ServerCredential,
} from './types.ts';

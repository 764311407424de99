import type { KeyObject } from 'node:crypto';
import { loadOrCreateEd25519KeyFile } from '../core/ed25519-key-file.ts';
import { isValidKeyName } from './note-text.ts';
import {
  ed25519Signer,
  ed25519Verifier,
  formatVerifierKey,
  NoteError,
  type NoteSigner,
  type NoteVerifier,
} from './signed-note.ts';

// The audit log's checkpoint key: Ed25519, kept as a private JWK in its own file (mode 0600,
// created atomically on first use, like the gateway's token key: src/core/ed25519-key-file.ts).
// Its name is the log's origin, so checkpoints are signed by a key of the same name as the
// origin line (c2sp.org/tlog-checkpoint: "The log's key name in its signature line SHOULD
// match the origin line"). The verifier key string is what an outside witness is given.

/** Why the key file cannot be used; the message names the file, never its content. */
export { KeyFileError as AuditKeyError } from '../core/ed25519-key-file.ts';

export interface AuditKey {
  /** The key name: the log's origin, e.g. `custos.example/audit`. */
  readonly name: string;
  readonly publicKey: KeyObject;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  /** `<name>+<key ID>+<base64 key>`: give this to a witness or an auditor. */
  readonly verifierKey: string;
}

export async function loadOrCreateAuditKey(file: string, name: string): Promise<AuditKey> {
  // Checked before the file is touched: a bad name must not leave a key behind.
  if (!isValidKeyName(name)) {
    throw new NoteError(
      'invalid-key-name',
      `audit key name '${name}' must be non-empty, without spaces or "+"`,
    );
  }
  const { privateKey, publicKey } = await loadOrCreateEd25519KeyFile(file, 'the audit key');
  return Object.freeze({
    name,
    publicKey,
    signer: ed25519Signer(name, privateKey),
    verifier: ed25519Verifier(name, publicKey),
    verifierKey: formatVerifierKey(name, publicKey),
  });
}

import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { decodeBase64Strict, isNoteSafe, isValidKeyName } from './note-text.ts';

// C2SP signed notes (https://c2sp.org/signed-note), the format of Go's
// golang.org/x/mod/sumdb/note. A note is text ending in a newline, a blank line, then one or
// more signature lines:
//
//   — <key name> base64(uint32 key ID, big-endian ‖ signature over the text)
//
// For Ed25519 (signature type 0x01) the key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4],
// and the verifier key an outside witness is given is `<name>+<8 hex key ID>+<base64(0x01 ‖
// public key)>`.

export const ED25519_SIGNATURE_TYPE = 0x01;

/** Go's note package refuses notes with more; the spec asks verifiers to accept at least 16. */
export const MAX_NOTE_SIGNATURES = 100;

export type NoteErrorCode =
  | 'malformed-note'
  | 'unverified-note'
  | 'invalid-signature'
  | 'ambiguous-key'
  | 'malformed-verifier-key'
  | 'invalid-key-name';

export class NoteError extends Error {
  override readonly name = 'NoteError';
  readonly code: NoteErrorCode;
  /** For 'unverified-note': the parsed note, to show who did sign it. Never trust its text. */
  readonly note: OpenedNote | undefined;
  constructor(code: NoteErrorCode, message: string, note?: OpenedNote) {
    super(message);
    this.code = code;
    this.note = note;
  }
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Buffer, signature: Buffer): boolean;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Buffer;
}

export interface OpenedNote {
  /** The signed text, ending in a newline. Trust it only because `verified` is non-empty. */
  readonly text: string;
  /** Signatures by known keys, each checked; one entry per key. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys the caller did not list: ignored, as the spec requires. */
  readonly unverified: readonly NoteSignature[];
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as an unsigned 32-bit number. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name)
    .update(Buffer.of(0x0a, type))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

/** The 32-byte RFC 8032 encoding of an Ed25519 public (or private) key. */
export function ed25519PublicKeyBytes(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new NoteError('malformed-verifier-key', 'not an Ed25519 key');
  return Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url');
}

export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  checkName(name);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new NoteError('malformed-verifier-key', 'a note signer needs an Ed25519 private key');
  }
  const keyId = noteKeyId(name, ED25519_SIGNATURE_TYPE, ed25519PublicKeyBytes(privateKey));
  return Object.freeze({ name, keyId, sign: (message: Buffer) => sign(null, message, privateKey) });
}

export function ed25519Verifier(name: string, publicKey: KeyObject): NoteVerifier {
  checkName(name);
  const raw = ed25519PublicKeyBytes(publicKey);
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  return Object.freeze({
    name,
    keyId: noteKeyId(name, ED25519_SIGNATURE_TYPE, raw),
    verify: (message: Buffer, signature: Buffer) =>
      signature.length === 64 && verify(null, message, key, signature),
  });
}

/** `<name>+<8 hex key ID>+<base64(0x01 ‖ 32-byte public key)>`, as Go's note.NewVerifier reads it. */
export function formatVerifierKey(name: string, publicKey: KeyObject): string {
  checkName(name);
  const encoded = Buffer.concat([Buffer.of(ED25519_SIGNATURE_TYPE), ed25519PublicKeyBytes(publicKey)]);
  const keyId = noteKeyId(name, ED25519_SIGNATURE_TYPE, encoded.subarray(1));
  return `${name}+${hex8(keyId)}+${encoded.toString('base64')}`;
}

/** Reads a verifier key string; refuses anything but a well-formed Ed25519 key whose ID matches. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const malformed = () =>
    new NoteError('malformed-verifier-key', 'not a verifier key (<name>+<key ID>+<key>)');
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw malformed();
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  const key = decodeBase64Strict(vkey.slice(second + 1));
  if (!isValidKeyName(name) || !/^[0-9a-fA-F]{8}$/.test(id) || !key || key.length === 0) throw malformed();
  if (Number.parseInt(id, 16) !== noteKeyId(name, key[0]!, key.subarray(1))) {
    throw new NoteError('malformed-verifier-key', `verifier key ${name}: the key ID does not match the key`);
  }
  if (key[0] !== ED25519_SIGNATURE_TYPE || key.length !== 33) {
    throw new NoteError('malformed-verifier-key', `verifier key ${name}: not an Ed25519 key`);
  }
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  return ed25519Verifier(name, publicKey);
}

/** Signs `text` (which must end in a newline) with each signer, in order. */
export function signNote(text: string, signers: NoteSigner | readonly NoteSigner[]): string {
  if (!text.endsWith('\n') || !isNoteSafe(text)) {
    throw new NoteError('malformed-note', 'note text must end in a newline and hold no control characters');
  }
  const message = Buffer.from(text, 'utf8');
  let lines = '';
  for (const s of Array.isArray(signers) ? signers : [signers]) {
    checkName(s.name);
    const sig = Buffer.concat([uint32(s.keyId), s.sign(message)]);
    lines += `— ${s.name} ${sig.toString('base64')}\n`;
  }
  if (lines === '') throw new NoteError('malformed-note', 'a note needs at least one signature');
  return `${text}\n${lines}`;
}

/**
 * Parses a signed note and checks every signature by a key in `verifiers`. Unknown keys are
 * ignored (the spec: "Verifiers MUST ignore signatures from unknown keys"); a known key whose
 * signature fails rejects the whole note, and so does a note no known key signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const malformed = (why: string) => new NoteError('malformed-note', `malformed note: ${why}`);
  let msg: string;
  if (typeof note === 'string') msg = note;
  else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw malformed('not valid UTF-8');
    }
  }
  if (!isNoteSafe(msg)) throw malformed('control characters');
  // The text ends at the last blank line; everything after is signature lines.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('no signature lines');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);

  const known = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const k = `${v.name}+${hex8(v.keyId)}`;
    known.set(k, [...(known.get(k) ?? []), v]);
  }
  const message = Buffer.from(text, 'utf8');
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  for (const line of lines) {
    if (!line.startsWith('— ')) throw malformed('a signature line must start with "— "');
    const body = line.slice(2);
    const space = body.indexOf(' ');
    const name = space < 0 ? body : body.slice(0, space);
    const bytes = space < 0 ? undefined : decodeBase64Strict(body.slice(space + 1));
    if (!isValidKeyName(name) || !bytes || bytes.length < 5)
      throw malformed('a signature line is not "— <name> <base64>"');
    const sig: NoteSignature = { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
    const k = `${name}+${hex8(sig.keyId)}`;
    const candidates = known.get(k);
    if (!candidates) {
      if (!unverified.has(line)) unverified.set(line, sig);
      continue;
    }
    if (candidates.length > 1) throw new NoteError('ambiguous-key', `more than one verifier for key ${k}`);
    // Every signature by a known key is checked, repeats included: "If the key name and ID match
    // a known key, verifiers MUST verify the signature."
    if (!candidates[0]!.verify(message, sig.signature)) {
      throw new NoteError(
        'invalid-signature',
        `the signature by key ${k} does not verify: the note was altered or forged`,
      );
    }
    if (!verified.has(k)) verified.set(k, sig);
  }
  const opened = { text, verified: [...verified.values()], unverified: [...unverified.values()] };
  if (verified.size === 0) {
    const seen = new Set(opened.unverified.map((s) => `${s.name}+${hex8(s.keyId)}`));
    throw new NoteError(
      'unverified-note',
      `the note has no signature by a known key (signed by ${[...seen].join(', ')}; known: ${[...known.keys()].join(', ') || 'none'})`,
      opened,
    );
  }
  return opened;
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new NoteError(
      'invalid-key-name',
      'a key name must be non-empty, without spaces, "+" or control characters',
    );
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

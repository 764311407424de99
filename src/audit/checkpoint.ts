import { HASH_SIZE, isTreeSize } from './merkle-hash.ts';
import { decodeBase64Strict, isNoteSafe, isValidKeyName } from './note-text.ts';
import { type NoteSignature, type NoteSigner, type NoteVerifier, openNote, signNote } from './signed-note.ts';

// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed note text of a tree head.
//
//   <origin>\n            the log's identity, e.g. custos.example/audit
//   <size>\n              decimal, no leading zeros ("0" for the empty tree)
//   <base64 root hash>\n  the RFC 6962 / 9162 root at that size
//   [<extension>\n]*      optional, non-empty, opaque (and not recommended)

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions?: readonly string[];
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly code = 'malformed-checkpoint';
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly verified: readonly NoteSignature[];
  readonly unverified: readonly NoteSignature[];
}

/**
 * The note text of a checkpoint. Our own origin must also be a valid key name (no spaces or
 * "+"), as the spec recommends, because the log signs with a key of the same name.
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidKeyName(cp.origin)) {
    throw new CheckpointError(
      'checkpoint origin must be non-empty, without spaces, "+" or control characters',
    );
  }
  if (!isTreeSize(cp.size)) throw new CheckpointError(`checkpoint size ${cp.size} is not a tree size`);
  if (cp.rootHash.length !== HASH_SIZE) throw new CheckpointError('checkpoint root hash must be 32 bytes');
  const extensions = cp.extensions ?? [];
  for (const line of extensions) {
    if (line === '' || line.includes('\n') || !isNoteSafe(line)) {
      throw new CheckpointError('a checkpoint extension line must be non-empty text on one line');
    }
  }
  return [cp.origin, String(cp.size), cp.rootHash.toString('base64'), ...extensions, ''].join('\n');
}

/** Parses checkpoint note text, refusing anything the spec does not allow. */
export function parseCheckpoint(text: string): Checkpoint {
  const bad = (why: string) => new CheckpointError(`malformed checkpoint: ${why}`);
  if (!text.endsWith('\n') || !isNoteSafe(text))
    throw bad('the text must end in a newline and hold no control characters');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('it needs an origin, a size and a root hash');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  // Any non-empty origin is accepted: "clients MUST NOT assume that the origin is following
  // this format" (the schema-less URL is only a recommendation).
  if (origin === '') throw bad('the origin is empty');
  // "the ASCII decimal representation of the number of leaves in the tree, with no leading
  // zeroes (unless the tree is empty, in which case the tree size is 0)"; and exact here.
  const size = Number(sizeText);
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(sizeText) || !isTreeSize(size) || String(size) !== sizeText) {
    throw bad(`the size is not a decimal tree size up to 2^53`);
  }
  const rootHash = decodeBase64Strict(rootText);
  if (!rootHash || rootHash.length !== HASH_SIZE)
    throw bad('the root hash is not canonical base64 of 32 bytes');
  // "Extension lines, if any, MUST be non-empty."
  if (extensions.some((line) => line === '')) throw bad('an extension line is empty');
  return extensions.length > 0 ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}

/** The signed note of a checkpoint. */
export function signCheckpoint(cp: Checkpoint, signers: NoteSigner | readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

/**
 * Opens a signed checkpoint: the note's signatures (openNote's rules) and then its text. With
 * `origin`, a checkpoint of another log is refused even when a known key signed it.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  opts: { origin?: string } = {},
): OpenedCheckpoint {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (opts.origin !== undefined && checkpoint.origin !== opts.origin) {
    throw new CheckpointError(`checkpoint of log ${checkpoint.origin}, expected ${opts.origin}`);
  }
  return { checkpoint, verified: opened.verified, unverified: opened.unverified };
}

import type { Config } from '../config/index.ts';
import { addOutbound, type Exchange } from '../core/exchange.ts';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import { PARSE_ONCE } from '../core/parse-once.ts';
import {
  type CompiledMasking,
  type CompiledProfile,
  compileMaskingConfig,
  compileProfile,
  selectProfile,
} from './compile.ts';
import { maskingConfigSchema, profileSchema, type ServerMaskingConfig } from './config.ts';
import { maskJson } from './engine.ts';
import { loadMaskingKeys } from './keys.ts';
import { maskMessage } from './message.ts';
import type { Finding, FoundInAnswer } from './types.ts';

// The mask step: personal data in everything the upstream sends back — results, notifications,
// server→client requests, errors, both eras, JSON and SSE — is masked before it leaves the
// gateway. The step runs before the upstream call and installs the transform the transports
// apply to every outgoing message (Exchange.outbound).

/** Keyed hashes kept per exchange; past this they are counted, not kept (a flood cannot grow memory). */
const MAX_HASHES = 10_000;
/** Hashes decoded together: 64 KB of digits, under V8's large-object size (src/store/subject-sets.ts). */
const HASHES_PER_RUN = 1024;
/** Hex digits of one keyed hash (32 bytes). */
const HASH_DIGITS = 64;

export interface GatewayMasking {
  readonly compiled: CompiledMasking;
  readonly servers: ReadonlyMap<string, ServerMaskingConfig>;
  /** The mask step (loaded only when some server masks: the detectors are large to load). */
  attach(ex: Exchange): void;
}

/** Compiles every profile once at boot; undefined when no server asks for masking. */
/** `hmacKey`: the deployment's key as the gateway resolved it (the audit's blind index uses it too). */
export function buildMasking(config: Readonly<Config>, hmacKey?: Buffer): GatewayMasking | undefined {
  const servers = new Map<string, ServerMaskingConfig>();
  for (const [name, s] of Object.entries(config.servers)) if (s.masking) servers.set(name, s.masking);
  if (servers.size === 0) return undefined;
  const cfg = config.masking ?? maskingConfigSchema.parse({}, PARSE_ONCE);
  const compiled = compileMaskingConfig(cfg, hmacKey ? { hmacKey } : loadMaskingKeys(cfg.hmacKeyFile));
  return { compiled, servers, attach: attachMasking };
}

export function attachMasking(ex: Exchange): void {
  const masking = ex.ctx.masking;
  if (!masking) return;
  const server = masking.servers.get(ex.upstream.name);
  if (!server) return;
  const first = ex.messages[0];
  const tool =
    first?.method === 'tools/call' && typeof first.params?.name === 'string' ? first.params.name : undefined;
  const profile = selectProfile(masking.compiled, server, tool, ex.identity?.groups);
  if (!profile) return;
  const found = { types: {} as Record<string, number>, hashes: [] as Buffer[], kept: 0 };
  ex.found = found;
  ex.maskingExempt = profile.exempt;
  ex.maskingProfile = profile.name;
  addOutbound(ex, (msg: JsonRpcMessage): JsonRpcMessage => {
    const r = maskMessage(msg, profile);
    if (r.findings.length > 0) summarise(found, r.findings);
    ex.findingCount += r.findings.length;
    return r.msg;
  });
}

/**
 * Adds a message's findings to what the exchange found: their types counted, their hashes decoded
 * to bytes ~1,000 at a time (off V8's heap: the exchange keeps them until its commit).
 */
function summarise(found: FoundInAnswer & { kept: number }, findings: readonly Finding[]): void {
  let run: string[] = [];
  for (const f of findings) {
    found.types[f.type] = (found.types[f.type] ?? 0) + 1;
    // Joined, a hash of another length would shift every key after it: only whole ones go in.
    if (f.type === 'SECRET' || f.valueHash.length !== HASH_DIGITS || found.kept >= MAX_HASHES) continue;
    run.push(f.valueHash);
    found.kept++;
    if (run.length === HASHES_PER_RUN) {
      found.hashes.push(Buffer.from(run.join(''), 'hex'));
      run = [];
    }
  }
  if (run.length > 0) found.hashes.push(Buffer.from(run.join(''), 'hex'));
}

let reviewProfile: CompiledProfile | undefined;

/**
 * A masked copy of a value shown to people who review a call (approval previews and
 * justifications): the server's profile when the server masks, else the built-in default
 * profile, compiled on first use. Never the exempt profile: approvers see masked values whatever
 * their groups.
 */
export function maskForReview(
  config: Readonly<Config>,
  masking: GatewayMasking | undefined,
  server: string,
  tool: string | undefined,
  value: unknown,
): unknown {
  const serverCfg = masking?.servers.get(server);
  const own = masking && serverCfg ? selectProfile(masking.compiled, serverCfg, tool) : undefined;
  if (own) return maskJson(value, own).value;
  reviewProfile ??= compileProfile(
    profileSchema.parse({}, PARSE_ONCE),
    loadMaskingKeys(config.masking?.hmacKeyFile),
  );
  const profile = reviewProfile;
  return maskJson(value, profile).value;
}

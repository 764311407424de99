import type { Config } from '../config/index.ts';
import { addOutbound, type Exchange } from '../core/exchange.ts';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
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
import type { Finding } from './types.ts';

// The mask step: personal data in everything the upstream sends back — results, notifications,
// server→client requests, errors, both eras, JSON and SSE — is masked before it leaves the
// gateway. The step runs before the upstream call and installs the transform the transports
// apply to every outgoing message (Exchange.outbound).

/** Findings kept per exchange; past this they are counted, not kept (a flood cannot grow memory). */
const MAX_FINDINGS = 10_000;

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
  const cfg = config.masking ?? maskingConfigSchema.parse({});
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
  let findings: Finding[] = [];
  ex.findings = findings;
  ex.maskingExempt = profile.exempt;
  ex.maskingProfile = profile.name;
  addOutbound(ex, (msg: JsonRpcMessage): JsonRpcMessage => {
    const r = maskMessage(msg, profile);
    if (findings.length === 0 && r.findings.length <= MAX_FINDINGS) {
      // Most exchanges carry one message: its findings are kept as they are, not copied.
      findings = r.findings;
      ex.findings = findings;
    } else
      for (const f of r.findings) {
        if (findings.length < MAX_FINDINGS) findings.push(f);
      }
    ex.findingCount += r.findings.length;
    return r.msg;
  });
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
  reviewProfile ??= compileProfile(profileSchema.parse({}), loadMaskingKeys(config.masking?.hmacKeyFile));
  const profile = reviewProfile;
  return maskJson(value, profile).value;
}

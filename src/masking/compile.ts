// Compile at boot, apply per request: a profile becomes detector objects, a field-rule index and
// an operator table; the hot path never builds a RegExp or parses a path.

import { PARSE_ONCE } from '../core/parse-once.ts';
import { createKeyedBlake2s } from './blake2s.ts';
import {
  BUILTIN_FIELDS,
  DEFAULT_OPERATORS,
  ENTITY_TYPES,
  type MaskingConfig,
  type ProfileConfig,
  profileSchema,
  type ServerMaskingConfig,
} from './config.ts';
import { buildDetectors, compilePhoneValidator, type PhoneValidator } from './detectors/index.ts';
import {
  type FieldRule,
  lastKeyOf,
  matchPath,
  mayBePersonal,
  normaliseKey,
  parseFieldPath,
  type Step,
} from './field-path.ts';
import { createKeyedHash } from './hmac.ts';
import { findingHashKey } from './keys.ts';
import type { Encrypt } from './operators.ts';
import type { Detector } from './spans.ts';
import type { EntityType, MaskingKeys, Operator } from './types.ts';

export interface FieldRuleIndex {
  /** The first rule that reaches the value at `stack`, whose last step is `key`. */
  find(stack: readonly Step[], key: string): FieldRule | undefined;
  readonly size: number;
}

export interface CompiledProfile {
  readonly name: string;
  readonly operators: Readonly<Record<EntityType, Operator>>;
  readonly enabled: ReadonlySet<EntityType>;
  readonly detectors: readonly Detector[];
  readonly fields: FieldRuleIndex;
  readonly phones: PhoneValidator;
  readonly jsonInText: boolean;
  /** A finding's keyed hash, hex: keyed BLAKE2s-256 under a key derived from the deployment key. */
  readonly hash: (normalised: string) => string;
  /** The same for many values at once (a masking call's, when it ends). */
  readonly hashAll: (normalised: readonly string[]) => string[];
  /** The pseudonym operator's token source, hex: HMAC-SHA256 under the deployment key. */
  readonly pseudonymHash: (normalised: string) => string;
  readonly encrypt: Encrypt | undefined;
  /** Exempt callers (the DPO): everything is found and recorded, nothing is changed. */
  readonly exempt: boolean;
}

const MAX_CACHED_KEYS = 4096;
const VALUE_KEYS: ReadonlySet<string> = new Set(['value', 'number']);
const isSingleName = (rule: FieldRule): boolean => rule.path.loose && rule.path.segments.length === 2;
const reaches = (rule: FieldRule, stack: readonly Step[]): boolean =>
  isSingleName(rule) || matchPath(rule.path, stack);

function indexRules(rules: readonly FieldRule[]): FieldRuleIndex {
  const byKey = new Map<string, FieldRule[]>();
  const wild: FieldRule[] = [];
  for (const rule of rules) {
    const key = lastKeyOf(rule.path);
    if (key === undefined) wild.push(rule);
    else byKey.set(key, [...(byKey.get(key) ?? []), rule]);
  }
  // Raw key → what decides its rule. Object keys are schema names, few and repeated; bounded anyway.
  // Most keys need no look at their parents (a one-name rule such as `email`, or no rule at all):
  // their answer is kept outright.
  interface KeyRules {
    readonly candidates: readonly FieldRule[];
    /** The rule whatever the parents are (null: none); undefined when the parents decide. */
    readonly fixed: FieldRule | null | undefined;
  }
  const cache = new Map<string, KeyRules>();
  const none: readonly FieldRule[] = [];
  const rulesOf = (key: string): KeyRules => {
    const normal = normaliseKey(key);
    const candidates = byKey.get(normal) ?? none;
    let fixed: FieldRule | null | undefined;
    if (wild.length === 0 && !VALUE_KEYS.has(normal) && candidates.every(isSingleName))
      fixed = candidates.find((r) => r.explicit) ?? candidates[0] ?? null;
    return { candidates, fixed };
  };
  function find(stack: readonly Step[], key: string): FieldRule | undefined {
    let rules = cache.get(key);
    if (rules === undefined) {
      rules = rulesOf(key);
      if (!mayBePersonal(key)) {
        if (cache.size >= MAX_CACHED_KEYS) cache.clear();
        cache.set(key, rules);
      }
    }
    if (rules.fixed !== undefined) return rules.fixed ?? undefined;
    const { candidates } = rules;
    // Explicit rules (`fields`) first, then the name lists. A one-name rule (`email`) matched
    // when the key did; longer ones check the parents.
    for (const rule of candidates) if (rule.explicit && reaches(rule, stack)) return rule;
    for (const rule of wild) if (matchPath(rule.path, stack)) return rule;
    for (const rule of candidates) if (!rule.explicit && reaches(rule, stack)) return rule;
    // SCIM and similar shapes: `emails[0].value`, `passport.number` are the email, the passport.
    if (VALUE_KEYS.has(normaliseKey(key))) {
      for (let i = stack.length - 2; i >= 0; i--) {
        const parent = stack[i];
        if (typeof parent !== 'string') continue;
        for (const rule of byKey.get(normaliseKey(parent)) ?? none) if (isSingleName(rule)) return rule;
        break;
      }
    }
    return undefined;
  }
  return { size: rules.length, find };
}

function listRules(names: readonly string[], type: EntityType, detector: string): FieldRule[] {
  return names.map((name) => ({
    path: parseFieldPath(name),
    type,
    operator: undefined,
    explicit: false,
    detector,
  }));
}

export interface CompileOptions {
  readonly name?: string;
  readonly phoneRegions?: readonly string[];
  /** Shared across profiles: the libphonenumber plans compile once per process. */
  readonly phones?: PhoneValidator;
}

export function compileProfile(
  cfg: ProfileConfig,
  keys: MaskingKeys,
  options: CompileOptions = {},
): CompiledProfile {
  const enabled = new Set<EntityType>(ENTITY_TYPES.filter((t) => !cfg.disabled.includes(t)));
  const operators = { ...DEFAULT_OPERATORS, ...cfg.entities } as Record<EntityType, Operator>;
  const rules: FieldRule[] = [];
  for (const field of cfg.fields) {
    const path = parseFieldPath(field.path);
    if (path.error) throw new Error(`masking profile ${options.name ?? ''}: ${path.error}`);
    rules.push({ path, type: field.type, operator: field.operator, explicit: true, detector: 'field-rule' });
  }
  rules.push(...listRules(cfg.nameFields, 'PERSON', 'name-field'));
  rules.push(...listRules(cfg.addressFields, 'ADDRESS', 'address-field'));
  if (cfg.builtinFields)
    for (const [type, names] of Object.entries(BUILTIN_FIELDS))
      rules.push(...listRules(names, type as EntityType, 'field-name'));
  const phones = options.phones ?? compilePhoneValidator(options.phoneRegions);
  const findingHash = createKeyedBlake2s(findingHashKey(keys.hmacKey));
  return Object.freeze({
    name: options.name ?? 'default',
    operators: Object.freeze(operators),
    enabled,
    detectors: buildDetectors(enabled, phones),
    fields: indexRules(rules.filter((r) => enabled.has(r.type))),
    phones,
    jsonInText: cfg.jsonInText,
    hash: findingHash.hash,
    hashAll: findingHash.hashAll,
    pseudonymHash: createKeyedHash(keys.hmacKey),
    encrypt: keys.encrypt,
    exempt: false,
  });
}

/** The same profile for exempt callers: every finding recorded with operator `keep`. */
export function exemptProfile(profile: CompiledProfile): CompiledProfile {
  const keep = Object.fromEntries(ENTITY_TYPES.map((t) => [t, 'keep'])) as Record<EntityType, Operator>;
  return Object.freeze({ ...profile, operators: Object.freeze(keep), exempt: true });
}

export interface CompiledMasking {
  readonly profiles: ReadonlyMap<string, CompiledProfile>;
  /** The same profiles for exempt callers, built at boot too. */
  readonly exemptProfiles: ReadonlyMap<string, CompiledProfile>;
  readonly exemptGroups: ReadonlySet<string>;
}

export function compileMaskingConfig(cfg: MaskingConfig, keys: MaskingKeys): CompiledMasking {
  const phones = compilePhoneValidator(cfg.phoneRegions);
  const profiles = new Map<string, CompiledProfile>();
  const exemptProfiles = new Map<string, CompiledProfile>();
  for (const [name, profile] of Object.entries(cfg.profiles)) {
    const compiled = compileProfile(profile, keys, { name, phones });
    profiles.set(name, compiled);
    exemptProfiles.set(name, exemptProfile(compiled));
  }
  return { profiles, exemptProfiles, exemptGroups: new Set(cfg.exemptGroups) };
}

/**
 * The audit's recording profile: the masking config's profile of that name, or else the default
 * profile under that name, compiled with the same keys.
 */
export function recordingProfileOf(
  masking: CompiledMasking,
  name: string,
  keys: MaskingKeys,
): CompiledProfile {
  return masking.profiles.get(name) ?? compileProfile(profileSchema.parse({}, PARSE_ONCE), keys, { name });
}

/** Profile names a server's masking config refers to that the masking config lacks. */
export function unknownProfiles(cfg: MaskingConfig, server: ServerMaskingConfig): string[] {
  const wanted = [server.profile, ...Object.values(server.tools ?? {})];
  return wanted.filter((name) => !Object.hasOwn(cfg.profiles, name));
}

/**
 * The profile for one exchange: the tool's override, else the server's profile; the exempt
 * variant when the caller is in an exempt group. Undefined when the name is not configured
 * (the config check at boot, `unknownProfiles`, prevents that).
 */
export function selectProfile(
  masking: CompiledMasking,
  server: ServerMaskingConfig,
  tool: string | undefined,
  groups: readonly string[] = [],
): CompiledProfile | undefined {
  const name =
    (tool !== undefined && server.tools && Object.hasOwn(server.tools, tool)
      ? server.tools[tool]
      : undefined) ?? server.profile;
  const exempt = groups.some((g) => masking.exemptGroups.has(g));
  return (exempt ? masking.exemptProfiles : masking.profiles).get(name);
}

// Personal data masked inline (issue 6): compile a profile at boot, mask each message as it passes.

export {
  type CompiledMasking,
  type CompiledProfile,
  type CompileOptions,
  compileMaskingConfig,
  compileProfile,
  exemptProfile,
  selectProfile,
  unknownProfiles,
} from './compile.ts';
export {
  BUILTIN_FIELDS,
  DEFAULT_ADDRESS_FIELDS,
  DEFAULT_NAME_FIELDS,
  DEFAULT_OPERATORS,
  ENTITY_TYPES,
  type MaskingConfig,
  maskingConfigSchema,
  OPERATORS,
  type ProfileConfig,
  profileSchema,
  type ServerMaskingConfig,
  serverMaskingSchema,
} from './config.ts';
export { type MaskResult, maskJson, maskText } from './engine.ts';
export { loadHmacKey, loadMaskingKeys } from './keys.ts';
export { type MaskMessageResult, maskMessage } from './message.ts';
export { applyOperator, partial, pseudonym, redact } from './operators.ts';
export type { EntityType, Finding, MaskingKeys, Operator } from './types.ts';

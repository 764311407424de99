import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { JsonRpcMessage } from '../../src/core/jsonrpc.ts';
import { type CompiledProfile, compileProfile } from '../../src/masking/compile.ts';
import { ENTITY_TYPES, profileSchema } from '../../src/masking/config.ts';
import { maskMessage } from '../../src/masking/message.ts';
import { personalValue } from './generators.ts';
import { defaultProfile, TEST_KEYS } from './helpers.ts';

// The property: any generated personal value, placed anywhere in any server → client
// message shape, never appears in the output of a profile that masks its type.

const redactAll = compileProfile(
  profileSchema.parse({ entities: Object.fromEntries(ENTITY_TYPES.map((t) => [t, 'redact'])) }),
  TEST_KEYS,
);
const pseudonymAll = compileProfile(
  profileSchema.parse({ entities: Object.fromEntries(ENTITY_TYPES.map((t) => [t, 'pseudonym'])) }),
  TEST_KEYS,
);

const PROFILES: Record<string, CompiledProfile> = { default: defaultProfile, redactAll, pseudonymAll };

const before = fc.constantFrom('', 'x ', 'Note: ', '(', '"', 'contact ', 'see: ', '\n', 'a, ', '[');
const after = fc.constantFrom('', ' ', '.', ')', ',', ';', '\n', ' ok', '"', ']');
const key = fc.constantFrom('note', 'value', 'x', 'contact', 'details', 'misc', 'a b', 'customer', 'data');

/** A JSON value with `s` somewhere inside, under generic keys and arrays. */
const nested = (s: string): fc.Arbitrary<unknown> =>
  fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(s),
      fc.tuple(key, tie('node'), fc.integer()).map(([k, v, n]) => ({ id: n, [k]: v })),
      fc.tuple(tie('node'), fc.boolean()).map(([v, first]) => (first ? [v, 1, 'pad'] : [true, v])),
    ),
  })).node;

type Shape = (s: string, inner: unknown) => JsonRpcMessage;
const res = (result: Record<string, unknown>): JsonRpcMessage => ({ jsonrpc: '2.0', id: 1, result });
const note = (method: string, params: Record<string, unknown>): JsonRpcMessage => ({
  jsonrpc: '2.0',
  method,
  params,
});
const req = (method: string, params: Record<string, unknown>): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id: 9,
  method,
  params,
});
const text = (t: string) => ({ type: 'text', text: t });

const SHAPES: Record<string, Shape> = {
  toolText: (s) => res({ content: [text(s)] }),
  toolJsonText: (_s, inner) => res({ content: [text(JSON.stringify({ result: inner }))] }),
  toolStructured: (_s, inner) =>
    res({ content: [text('see structured')], structuredContent: { result: inner } }),
  toolBoth: (_s, inner) =>
    res({ content: [text(JSON.stringify({ r: inner }))], structuredContent: { r: inner } }),
  modernTool: (s, inner) =>
    res({ resultType: 'complete', content: [text(s)], structuredContent: { r: inner } }),
  embeddedResource: (s) => res({ content: [{ type: 'resource', resource: { uri: 'x://1', text: s } }] }),
  resourceLink: (s) => res({ content: [{ type: 'resource_link', uri: 'x://1', name: 'n', description: s }] }),
  readResource: (s) => res({ contents: [{ uri: 'x://1', mimeType: 'text/plain', text: s }] }),
  prompt: (s) => res({ description: 'd', messages: [{ role: 'user', content: text(s) }] }),
  log: (_s, inner) => note('notifications/message', { level: 'info', data: inner }),
  progress: (s) => note('notifications/progress', { progressToken: 1, progress: 1, message: s }),
  error: (s, inner) => ({ jsonrpc: '2.0', id: 2, error: { code: -32000, message: s, data: inner } }),
  elicitation: (s) =>
    req('elicitation/create', { message: s, requestedSchema: { type: 'object', properties: {} } }),
  sampling: (s) =>
    req('sampling/createMessage', {
      messages: [{ role: 'user', content: text(s) }],
      systemPrompt: s,
      maxTokens: 9,
    }),
  completion: (s) => res({ completion: { values: ['a', s], hasMore: false } }),
  inputRequired: (s) =>
    res({
      resultType: 'input_required',
      inputRequests: {
        a: { method: 'elicitation/create', params: { message: s, requestedSchema: { type: 'object' } } },
      },
    }),
  unknown: (_s, inner) => res({ somethingNew: inner }),
};

test('a generated personal value never survives masking, whatever the message shape', () => {
  fc.assert(
    fc.property(
      personalValue
        .chain((pv) =>
          fc.record({
            pv: fc.constant(pv),
            s: fc.tuple(before, after).map(([b, a]) => `${b}${pv.value}${a}`),
            shape: fc.constantFrom(...Object.keys(SHAPES)),
            profile: fc.constantFrom('default', 'redactAll', 'pseudonymAll'),
          }),
        )
        .chain((c) => nested(c.s).map((inner) => ({ ...c, inner }))),
      ({ pv, s, shape, profile, inner }) => {
        const msg = (SHAPES[shape] as Shape)(s, inner);
        const out = JSON.stringify(maskMessage(msg, PROFILES[profile] as CompiledProfile).msg);
        assert.ok(
          !out.includes(pv.value),
          `${pv.type} ${JSON.stringify(pv.value)} survived in ${shape}: ${out}`,
        );
      },
    ),
    { numRuns: Number(process.env.MASKING_PROPERTY_RUNS ?? 1500) },
  );
});

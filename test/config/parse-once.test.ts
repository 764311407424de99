import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';

// Custos parses each of its schemas a few times, as it starts, so no parse may have zod generate
// its fast path with `new Function` (src/core/parse-once.ts): that cost ~7 ms of cold start. The
// constructor is watched before the schema modules load, so their module-level defaults count too.

const generated: string[] = [];
const RealFunction = globalThis.Function;
globalThis.Function = new Proxy(RealFunction, {
  construct(target, args: string[]) {
    // zod probes once whether `new Function("")` is allowed at all; only code it generates counts.
    if (args.some((a) => a.trim() !== '')) generated.push(String(args.at(-1)).slice(0, 60));
    return Reflect.construct(target, args);
  },
});

const docBlock = (file: string, n = 0): string => {
  const doc = readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');
  const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)][n]?.[1];
  assert.ok(block, `docs/${file} has yaml block ${n}`);
  return block;
};

test('the config, a policy, policy cases and the masking defaults parse without generated code', async () => {
  const { parseConfig } = await import('../../src/config/index.ts');
  const { compilePolicy, parseCases } = await import('../../src/policy/index.ts');
  const { maskingConfigSchema } = await import('../../src/masking/config.ts');
  const { PARSE_ONCE } = await import('../../src/core/parse-once.ts');

  const config = parseConfig(parse(docBlock('config.md')), 'docs/config.md');
  assert.deepEqual(Object.keys(config.servers), ['crm', 'everything']);
  const policy = compilePolicy(
    parse(readFileSync(new URL('../policy/fixtures/example.yaml', import.meta.url), 'utf8')),
  );
  assert.ok(policy);
  const cases = parseCases(parse(docBlock('policy.md', 2)));
  assert.equal(cases.length, 3);
  assert.ok(maskingConfigSchema.parse({ profiles: { strict: {} } }, PARSE_ONCE).profiles.strict);
  assert.deepEqual(generated, []);

  // The watch works: the same masking config parsed the default way generates zod's fast path.
  maskingConfigSchema.parse({ profiles: { strict: {} } });
  assert.ok(generated.length > 0, 'a default parse generates code');
});

// `custos mask`: masks JSON, JSON lines or text from stdin with a masking profile, for trying
// profiles and for pipelines. With --findings, stdout carries one JSON line per finding instead
// (type, subtype, offsets into the input, path, detector, operator, keyed hash; never the value).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { classifyMessage, type JsonRpcMessage } from '../core/jsonrpc.ts';
import { PARSE_ONCE } from '../core/parse-once.ts';
import { stringifyLike } from '../masking/engine.ts';
import {
  type CompiledProfile,
  compileProfile,
  type Finding,
  loadMaskingKeys,
  maskingConfigSchema,
  maskJson,
  maskMessage,
  maskText,
} from '../masking/index.ts';
import { type Io, processIo } from './io.ts';
import { locateStrings, rawSpan } from './mask-offsets.ts';

export const MASK_USAGE = `usage: custos mask [--config <file>] [--profile <name>] [--findings]
  Masks JSON (an MCP message, or any JSON), JSON lines or plain text read from stdin.
  --config    a masking config (YAML or JSON; its \`masking\` section if it has one); without it,
              the built-in default profile and a key made up for this run
  --profile   the profile to use (default: 'default', else the config's first)
  --findings  print one JSON line per finding instead of the masked input
`;

export interface MaskIo extends Io {
  readonly stdin: AsyncIterable<Buffer | string>;
}

const stdio = (): MaskIo => ({ stdin: process.stdin, ...processIo() });

class UsageError extends Error {}

function loadProfile(configFile: string | undefined, profileName: string | undefined): CompiledProfile {
  let raw: unknown = {};
  if (configFile !== undefined) {
    const doc = parseYaml(readFileSync(configFile, 'utf8')) as unknown;
    raw =
      doc !== null && typeof doc === 'object' && 'masking' in doc
        ? (doc as { masking: unknown }).masking
        : doc;
  }
  const parsed = maskingConfigSchema.safeParse(raw ?? {}, PARSE_ONCE);
  if (!parsed.success) {
    const where = configFile ?? 'built-in config';
    const lines = parsed.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UsageError(lines.join('\n'));
  }
  const cfg = parsed.data;
  const names = Object.keys(cfg.profiles);
  const name = profileName ?? (names.includes('default') ? 'default' : names[0]);
  const profile = name === undefined ? undefined : cfg.profiles[name];
  if (name === undefined || profile === undefined || !Object.hasOwn(cfg.profiles, name))
    throw new UsageError(
      `no masking profile '${profileName ?? 'default'}' (have: ${names.join(', ') || 'none'})`,
    );
  const keyFile =
    cfg.hmacKeyFile === undefined || configFile === undefined
      ? cfg.hmacKeyFile
      : resolve(dirname(configFile), cfg.hmacKeyFile);
  return compileProfile(profile, loadMaskingKeys(keyFile), { name, phoneRegions: cfg.phoneRegions });
}

async function readAll(stdin: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

interface Masked {
  output: string;
  findings: Finding[];
  /** Offsets of a finding in `source`, the JSON document or text it was found in. */
  locate(f: Finding): [number, number] | undefined;
}

function maskDocument(source: string, value: unknown, profile: CompiledProfile): Masked {
  let masked: unknown;
  let findings: Finding[];
  if (classifyMessage(value) === undefined) ({ value: masked, findings } = maskJson(value, profile, '$'));
  else ({ msg: masked, findings } = maskMessage(value as JsonRpcMessage, profile));
  let located: ReturnType<typeof locateStrings> | undefined;
  const locate = (f: Finding): [number, number] | undefined => {
    located ??= locateStrings(source);
    return rawSpan(source, f.path, f.start, f.end, located);
  };
  return { output: stringifyLike(masked, source.trim()), findings, locate };
}

function findingLine(f: Finding, span: [number, number] | undefined, line?: number): string {
  const { type, subtype, path, detector, operator, valueHash } = f;
  const at = span ?? [-1, -1];
  return `${JSON.stringify({ type, ...(subtype === undefined ? {} : { subtype }), start: at[0], end: at[1], ...(line === undefined ? {} : { line }), path, detector, operator, valueHash })}\n`;
}

/** Runs `custos mask …`; returns the exit code (2: usage or config, 1: failure). */
export async function runMaskCommand(argv: string[], io: MaskIo = stdio()): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        profile: { type: 'string', short: 'p' },
        findings: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(MASK_USAGE);
      return 0;
    }
    let profile: CompiledProfile;
    try {
      profile = loadProfile(values.config, values.profile);
    } catch (err) {
      // Unreadable file, bad YAML, a short key: all configuration errors, reported as such.
      if (err instanceof UsageError) throw err;
      throw new UsageError((err as Error).message);
    }
    const input = await readAll(io.stdin);
    const out: string[] = [];
    const whole = input.trim().length > 0 ? tryJson(input) : { ok: false as const };
    const lines = whole.ok ? [] : input.split('\n');
    const jsonLines =
      !whole.ok &&
      lines.filter((l) => l.trim().length > 0).every((l) => tryJson(l).ok) &&
      lines.some((l) => l.trim());
    if (whole.ok) {
      const m = maskDocument(input, whole.value, profile);
      if (values.findings) for (const f of m.findings) out.push(findingLine(f, m.locate(f)));
      else out.push(`${m.output}${input.endsWith('\n') ? '\n' : ''}`);
    } else if (jsonLines) {
      let offset = 0;
      lines.forEach((line, n) => {
        if (line.trim().length > 0) {
          const m = maskDocument(line, JSON.parse(line) as unknown, profile);
          if (values.findings)
            for (const f of m.findings) {
              const span = m.locate(f);
              out.push(findingLine(f, span && [span[0] + offset, span[1] + offset], n + 1));
            }
          else out.push(m.output);
        } else if (!values.findings) out.push(line);
        if (!values.findings && n < lines.length - 1) out.push('\n');
        offset += line.length + 1;
      });
    } else {
      const m = maskText(input, profile, '$');
      if (values.findings) for (const f of m.findings) out.push(findingLine(f, [f.start, f.end]));
      else out.push(m.text);
    }
    io.stdout.write(out.join(''));
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(
        `custos mask: ${(err as Error).message}\n${err instanceof UsageError ? '' : MASK_USAGE}`,
      );
      return 2;
    }
    io.stderr.write(`custos mask: ${(err as Error).message}\n`);
    return 1;
  }
}

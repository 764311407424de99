import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { runMaskCommand } from '../../src/cli/mask.ts';

const EMAIL = 'ilse.brandauer@example.com';
const dir = mkdtempSync(join(tmpdir(), 'custos-mask-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runMaskCommand(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

const findingsOf = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; start: number; end: number; path: string; line?: number });

describe('custos mask', () => {
  test('text from stdin, masked with the built-in profile', async () => {
    const { code, out } = await run([], `Write to ${EMAIL} or call +43 664 1234567\n`);
    assert.equal(code, 0);
    assert.equal(out, 'Write to i***@example.com or call +43 *** ***67\n');
  });

  test('--findings gives offsets into the input, also through escapes and JSON inside a string', async () => {
    const msg = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: JSON.stringify({ note: `caf\u00e9 "quoted" ${EMAIL}` }) }] },
    });
    const { code, out } = await run(['--findings'], msg);
    assert.equal(code, 0);
    const [f] = findingsOf(out);
    assert.equal(f?.type, 'EMAIL');
    assert.equal(f?.path, '$.result.content[0].text.note');
    assert.equal(msg.slice(f?.start, f?.end), EMAIL);
    assert.ok(!out.includes(EMAIL));
  });

  test('JSON keeps its layout (indentation, final newline) and is masked by field', async () => {
    const pretty = `${JSON.stringify({ customer: { firstName: 'Ilse', email: EMAIL } }, null, 2)}\n`;
    const { out } = await run([], pretty);
    assert.ok(out.endsWith('}\n') && out.includes('\n  "customer"'));
    assert.ok(!out.includes(EMAIL) && !out.includes('"Ilse"'));
  });

  test('JSON lines: one document per line, findings with line numbers and offsets into the input', async () => {
    const input = `{"a":"x"}\n{"email":"${EMAIL}"}\n`;
    const masked = await run([], input);
    assert.equal(masked.out, '{"a":"x"}\n{"email":"i***@example.com"}\n');
    const [f] = findingsOf((await run(['--findings'], input)).out);
    assert.equal(f?.line, 2);
    assert.equal(input.slice(f?.start, f?.end), EMAIL);
  });

  test('--config with profiles and a key file; --profile picks one; pseudonyms follow the key', async () => {
    writeFileSync(join(dir, 'key'), 'ab'.repeat(32));
    writeFileSync(
      join(dir, 'custos.yaml'),
      'masking:\n  hmacKeyFile: key\n  profiles:\n    default: {}\n    strict:\n      entities: { EMAIL: pseudonym }\n',
    );
    const config = join(dir, 'custos.yaml');
    const a = await run(['--config', config, '--profile', 'strict'], EMAIL);
    const b = await run(['--config', config, '--profile', 'strict'], EMAIL);
    assert.match(a.out, /^EMAIL_[0-9a-f]{8}$/);
    assert.equal(a.out, b.out);
    assert.equal((await run(['--config', config], EMAIL)).out, 'i***@example.com');
  });

  test('usage and config errors exit 2 and name the problem', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'profiles:\n  p:\n    entities: { EMAIL: shred }\n');
    const bad = await run(['--config', join(dir, 'bad.yaml')], 'x');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\.yaml: profiles\.p\.entities\.EMAIL: /);
    assert.equal((await run(['--profile', 'nope'], 'x')).code, 2);
    assert.equal((await run(['--colour'], 'x')).code, 2);
    assert.match((await run(['--help'], '')).out, /usage: custos mask/);
  });

  test('as a process: stdin to stdout', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/cli/mask.ts').then(async (m) => { process.exitCode = await m.runMaskCommand(['--findings']); })",
      ],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.stdin.end(`mail ${EMAIL}\n`);
    let out = '';
    for await (const chunk of child.stdout) out += chunk;
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.deepEqual(
      findingsOf(out).map((f) => [f.type, f.start, f.end]),
      [['EMAIL', 5, 5 + EMAIL.length]],
    );
  });
});

test('custos mask --findings maps offsets through prose followed by JSON inside a string', async () => {
  const prompt = `Summarize:\n\n${JSON.stringify({ email: EMAIL }, null, 2)}`;
  const msg = JSON.stringify({
    jsonrpc: '2.0',
    id: 2,
    result: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }] },
  });
  const [f] = findingsOf((await run(['--findings'], msg)).out);
  assert.equal(f?.path, '$.result.messages[0].content.text.email');
  assert.equal(msg.slice(f?.start, f?.end), EMAIL);
});

// A module computed at build time instead of at start: bundled on its own, evaluated here, and
// replaced by its exports as literals. For modules whose exports are strings built from constant
// inputs (src/masking/detectors/word-tries.ts); anything else stops the build.
import { build } from 'esbuild';

/** The text of an ES module that exports what `file` exports, each as a string literal. */
export async function inlineExports(file) {
  const out = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  const code = out.outputFiles[0].text;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return Object.entries(mod)
    .map(([name, value]) => {
      if (typeof value !== 'string') throw new Error(`${file}: export ${name} is not a string`);
      return `export const ${name} = ${JSON.stringify(value)};\n`;
    })
    .join('');
}

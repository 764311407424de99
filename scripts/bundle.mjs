#!/usr/bin/env node
// Bundles the CLI into dist/bundle/ for `bin/custos.js`: one ESM file per command, loaded lazily,
// with the shared code in chunks. Node.js 20 resolves, reads and compiles each ES module on its
// own, so the 466 files `custos serve` loads from dist/src and node_modules cost ~100 ms of its cold
// start; from the bundle it loads 30 (docs/architecture.md). dist/src (tsc's output) stays for debugging.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inlineExports } from './inline-exports.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// zod's index re-exports its error messages in ~50 languages (366 KB of the bundle); Custos
// reports config errors in English only, so the bundle keeps the English locale.
const englishZod = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(args.importer)
        ? { path: resolve(dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

// Chunk names carry content hashes: clear the last build's.
rmSync(resolve(root, 'dist/bundle'), { recursive: true, force: true });

// The demo is a bundle of its own, in dist/bundle/demo. esbuild keeps every export of a module that
// anything in the build reaches, and the demo's MCP SDKs reach most of zod: sharing a build with
// them, the chunk `custos serve` compiles for its config held all of zod (288 KB); apart, and with
// zod imported as a namespace, 143 KB, a start ~14 ms sooner (docs/architecture.md). main.js imports
// the demo's entry from there; the demo carries its own copy of the gateway.
const demoApart = {
  name: 'demo-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/demo\.ts$/ }, (args) =>
      args.importer === resolve(root, 'src/cli/main.ts')
        ? { path: './demo/demo.js', external: true }
        : undefined,
    );
  },
};

// The masking detectors' word tries are built at build time (src/masking/detectors/word-tries.ts):
// ~9 ms of code that would otherwise run, not yet compiled, in every start.
const builtAtBuild = {
  name: 'built-at-build',
  setup(b) {
    b.onLoad({ filter: /[/\\]src[/\\]masking[/\\]detectors[/\\]word-tries\.ts$/ }, async (args) => ({
      contents: await inlineExports(args.path),
      loader: 'js',
    }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // better-sqlite3's JavaScript is bundled too (12 CommonJS files Node.js would resolve, read and
  // compile one by one: ~10 ms of cold start); src/store/sqlite.ts names its native addon, so the
  // `bindings` lookup it would otherwise use is never called and stays out.
  external: ['bindings'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __custosRequire } from 'node:module';\nconst require = __custosRequire(import.meta.url);",
  },
  // Node.js compiles every module it loads, ~50 µs a KB of source here: without the whitespace and
  // with shorter syntax the bundle is 29 % smaller (4.36 → 3.11 MB) and `custos serve` starts 15–25
  // ms sooner. Names stay as they are, so stack traces and CPU profiles read the same.
  minifyWhitespace: true,
  minifySyntax: true,
  // Licence comments go to a file beside each chunk (`chunk-….js.LEGAL.txt`, named in it), and
  // esbuild writes strings and names as ASCII escapes: see the check at the end.
  legalComments: 'linked',
  charset: 'ascii',
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  plugins: [englishZod, demoApart, builtAtBuild],
});

await build({
  ...common,
  // The demo's CRM server over stdio is spawned once per legacy session: its own entry.
  entryPoints: { demo: 'src/cli/demo.ts', 'demo-crm-stdio': 'demo/crm/stdio.ts' },
  outdir: 'dist/bundle/demo',
  plugins: [englishZod, builtAtBuild],
});

// V8 keeps a module's source as one-byte (Latin-1) text unless a single character needs two
// bytes; then the whole file is two-byte, and compiling it takes twice as long. One chunk of
// ~300 KB with nine such characters (quotation marks in two regular-expression literals, which
// esbuild does not escape, and a licence's author's name) compiled in 11.6 ms instead of 5.5,
// and took 1.9 ms instead of 0.9 to decode (docs/architecture.md). Stop the build on any.
const wide = [];
for (const file of readdirSync(resolve(root, 'dist/bundle'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.js')) continue;
  const text = readFileSync(resolve(root, 'dist/bundle', file), 'utf8');
  const at = text.search(/[\u0100-\uffff]/); // any UTF-16 unit past U+00FF, surrogates included
  if (at !== -1)
    wide.push(`${join('dist/bundle', file)}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}`);
}
if (wide.length > 0) {
  throw new Error(
    `the bundle has characters beyond Latin-1 (write them as \\u escapes in the source):\n${wide.join('\n')}`,
  );
}

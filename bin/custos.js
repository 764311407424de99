#!/usr/bin/env node
// The built CLI lives in dist/ (npm ci runs the `prepare` build).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('custos: dist/ is missing; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
});

import { parseArgs } from 'node:util';

/**
 * The command line of the bench's Node.js baselines (bench/node-proxy.ts, bench/relay.ts):
 * `--upstream URL [--port N]`. Exits with status 2, naming the script, when the URL is missing or
 * not a URL.
 */
export function baselineArgs(script: string): { upstream: URL; port: number } {
  const { values } = parseArgs({
    options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
    strict: true,
  });
  if (!values.upstream || !URL.canParse(values.upstream)) {
    process.stderr.write(`${script}: --upstream URL is required\n`);
    process.exit(2);
  }
  return { upstream: new URL(values.upstream), port: Number(values.port) };
}

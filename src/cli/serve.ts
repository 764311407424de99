import type { Config } from '../config/index.ts';
import { log } from '../core/log.ts';
import { tuneV8ForGateway } from '../core/v8-tuning.ts';
import { type Gateway, startGateway } from '../gateway/server.ts';

export function warnIfOpen(config: Readonly<Config>): void {
  if (config.auth.mode === 'none') {
    log(
      'warn',
      'auth.mode is "none": callers are NOT authenticated; anyone who can reach this port can use every server',
      {
        listen: `${config.listen.host}:${config.listen.port}`,
      },
    );
  }
}

/** Starts the gateway, prints where it listens, and drains on SIGTERM/SIGINT. */
export async function serve(
  config: Readonly<Config>,
  out: NodeJS.WritableStream = process.stdout,
): Promise<Gateway> {
  warnIfOpen(config);
  const gateway = await startGateway(config);
  tuneV8ForGateway();
  out.write(`custos listening on ${gateway.url}\n`);
  for (const [name, url] of gateway.routes) out.write(`custos route ${name} ${url}\n`);
  onShutdown(async (signal) => {
    log('info', 'draining', { signal, drainSeconds: config.limits.drainSeconds });
    await gateway.close();
    log('info', 'stopped');
  });
  return gateway;
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits; a second signal exits at once. */
export function onShutdown(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log('error', 'shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

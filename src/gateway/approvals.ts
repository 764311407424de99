import { readFileSync } from 'node:fs';
import type { GatewayApprovals } from '../approval/index.ts';
import { type Config, ConfigError } from '../config/index.ts';
import type { GatewayContext } from '../core/exchange.ts';
import { buildPins, type GatewayPins, type PinMode } from '../policy/pins.ts';
import type { Store } from '../store/index.ts';

// Building the approval flow and the tool pins at boot. Both are wired here because they need
// what only the gateway knows: the masking profiles (loaded lazily: approvals are rare and the
// detectors are the heaviest modules to start) and the public base URL the links point at.

const MIN_SECRET_BYTES = 16;

function readWebhookSecret(file: string): string {
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      `approvals.webhook.secretFile: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES)
    throw new ConfigError(
      `approvals.webhook.secretFile: ${file} must hold at least ${MIN_SECRET_BYTES} bytes`,
    );
  return secret;
}

/**
 * The approval flow; undefined without a policy (only `approve` rules ask for approvals). Loaded
 * only then, like the policy itself, to keep the cold start small.
 */
export async function buildApprovals(
  config: Readonly<Config>,
  store: Store,
  ctx: () => GatewayContext,
  base: () => string,
): Promise<GatewayApprovals | undefined> {
  if (!config.policy) return undefined;
  const { createApprovals, createWebhookNotifier } = await import('../approval/index.ts');
  const a = config.approvals;
  const webhook = a?.webhook;
  const notify = webhook
    ? createWebhookNotifier({
        url: webhook.url,
        secret: readWebhookSecret(webhook.secretFile),
        timeoutMs: webhook.timeoutSeconds * 1000,
        retries: webhook.retries,
      })
    : () => {};
  return createApprovals({
    store,
    mask: async (server, tool, value) =>
      (await import('../masking/step.ts')).maskForReview(config, ctx().masking, server, tool, value),
    notify,
    link: (id) =>
      `${a?.consoleUrl?.replace(/\/$/, '') ?? `${base()}/admin/v1/approvals`}/${encodeURIComponent(id)}`,
    progressIntervalMs: (a?.progressIntervalSeconds ?? 10) * 1000,
    adminGroups: config.admin.groups,
  });
}

/** Tool pins for every server (flag-only unless a server says `pinning: { onChange: block }`). */
export function buildServerPins(config: Readonly<Config>, store: Store): GatewayPins {
  const modes = new Map<string, PinMode>();
  for (const [name, s] of Object.entries(config.servers)) modes.set(name, s.pinning?.onChange ?? 'flag');
  return buildPins(store, modes);
}

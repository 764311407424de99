import { createHmac } from 'node:crypto';
import { log } from '../core/log.ts';
import type { ApprovalRecord } from '../store/index.ts';

// The approval notifier: each new request is POSTed to a webhook, in a body Slack's incoming
// webhooks accept (`text` + `blocks`, mrkdwn), with a link to decide. It never blocks or fails the
// held call: it runs after the request is stored, in the background, with bounded retries.
//
// Signed like Slack's own requests: X-Custos-Timestamp is the Unix time in seconds and
// X-Custos-Signature is `v1=` + hex HMAC-SHA256(secret, `<timestamp>.<body>`). A receiver
// recomputes it over the raw body, compares in constant time, and refuses old timestamps
// (docs/policy.md shows how).
//
// What the body carries: the approval id, requester, server, tool, rule, approver groups, quorum,
// deadline, the masked justification and the *names* of the arguments — never argument values
// (not even masked ones: a chat channel is a wide audience; the link shows the masked preview to
// signed-in approvers), tokens or secrets.

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly retries: number;
  /** First retry after this long, doubling (default 500 ms). */
  readonly backoffMs?: number;
}

export const SIGNATURE_HEADER = 'x-custos-signature';
export const TIMESTAMP_HEADER = 'x-custos-timestamp';

/** `v1=<hex>`: HMAC-SHA256 over `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Slack mrkdwn treats &, < and > as markup. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function argumentNames(preview: string): string[] {
  try {
    const v = JSON.parse(preview) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).slice(0, 50) : [];
  } catch {
    return [];
  }
}

/** The notification body for a new request (pure: tests and receivers can rebuild it). */
export function notificationBody(a: ApprovalRecord, link: string): Record<string, unknown> {
  const target = a.name === null ? a.method : `${a.method} ${a.name}`;
  const expires = new Date(a.expiresAt).toISOString();
  const args = argumentNames(a.preview);
  const text =
    `Approval ${a.id} requested: ${a.requester} wants ${target} on ${a.server} (rule ${a.rule}). ` +
    `Approvers: ${a.approvers.join(', ')}; ${a.quorum} needed; expires ${expires}. Decide: ${link}`;
  const fields = [
    `*Requester*\n${esc(a.requester)}`,
    `*Server*\n${esc(a.server)}`,
    `*Call*\n${esc(target)}`,
    `*Rule*\n${esc(a.rule)}`,
    `*Approvers*\n${esc(a.approvers.join(', '))} (${a.quorum} needed)`,
    `*Expires*\n${expires}`,
  ].map((t) => ({ type: 'mrkdwn', text: t }));
  const blocks: Record<string, unknown>[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Approval requested* \`${a.id}\`${a.reason ? `\n${esc(a.reason)}` : ''}`,
      },
    },
    { type: 'section', fields },
  ];
  if (a.justification !== null) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Justification*\n${esc(a.justification)}` },
    });
  }
  if (args.length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Arguments: ${args.map((k) => `\`${esc(k)}\``).join(', ')}` }],
    });
  }
  blocks.push({
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text: 'Review and decide' }, url: link }],
  });
  return {
    text,
    blocks,
    custos: {
      approvalId: a.id,
      requester: a.requester,
      server: a.server,
      method: a.method,
      name: a.name,
      rule: a.rule,
      approvers: a.approvers,
      quorum: a.quorum,
      expiresAt: expires,
      link,
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Posts one notification, retrying network errors, 429 and 5xx up to `retries` times. */
export async function postNotification(
  opts: WebhookOptions,
  body: string,
  approvalId: string,
): Promise<boolean> {
  const backoff = opts.backoffMs ?? 500;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleep(backoff * 2 ** (attempt - 1));
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      // Loaded on the first notice, not at the gateway's start (~60 ms of a cold start).
      const { request } = await import('undici');
      const r = await request(opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'custos',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(opts.secret, timestamp, body),
        },
        body,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      await r.body.dump();
      if (r.statusCode < 300) return true;
      if (r.statusCode !== 429 && r.statusCode < 500) {
        log('warn', 'approval webhook refused the notification', { approvalId, status: r.statusCode });
        return false;
      }
    } catch (err) {
      const e = err as Error & { code?: string };
      log('warn', 'approval webhook unreachable', { approvalId, attempt, error: e.code ?? e.name });
    }
  }
  log('error', 'approval webhook gave up', { approvalId, attempts: opts.retries + 1 });
  return false;
}

/** The notifier for ApprovalDeps.notify: fire and forget. */
export function createWebhookNotifier(opts: WebhookOptions): (a: ApprovalRecord, link: string) => void {
  return (a, link) => {
    const body = JSON.stringify(notificationBody(a, link));
    void postNotification(opts, body, a.id).catch(() => {});
  };
}

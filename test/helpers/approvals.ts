import { request } from 'undici';
import type { ApprovalView } from '../../src/approval/index.ts';

// The admin API from a test: an approver (or anyone) calling /admin/v1/… with a bearer token.

export interface AdminAnswer {
  status: number;
  json: Record<string, unknown>;
}

export async function admin(
  base: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<AdminAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await request(`${base}/admin/v1${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await r.body.text();
  return { status: r.statusCode, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Waits (bounded) until the approver sees a pending request matching `match`. */
export async function pendingRequest(
  base: string,
  token: string,
  match: (a: ApprovalView) => boolean,
  timeoutMs = 5000,
): Promise<ApprovalView> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await admin(base, token, 'GET', '/approvals?status=pending');
    if (r.status !== 200) throw new Error(`list failed: ${r.status} ${JSON.stringify(r.json)}`);
    const found = (r.json.approvals as ApprovalView[]).find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending approval request matched within ${timeoutMs} ms`);
}

export async function decide(
  base: string,
  token: string,
  id: string,
  vote: 'grant' | 'deny',
  reason?: string,
): Promise<AdminAnswer> {
  return admin(base, token, 'POST', `/approvals/${encodeURIComponent(id)}/${vote}`, reason ? { reason } : {});
}

/** Resolves with how a promise settled, without throwing. */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

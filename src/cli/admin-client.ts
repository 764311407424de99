import { request } from 'undici';
import type { Io } from './io.ts';

// The CLI's side of the admin API (/admin/v1/): commands that decide or accept act on the running
// gateway with the caller's own bearer token (--token or CUSTOS_TOKEN), so an approver is
// authenticated the same way everywhere and the gateway applies its own rules (no self-approval,
// approver groups, admin groups). The token is sent to the gateway only, never printed.

export class AdminUsageError extends Error {}

/** An error the API answered: `{ error: { code, message, requestId } }`. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AdminTarget {
  readonly url: string;
  readonly token: string;
}

export function adminTarget(
  values: { url?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): AdminTarget {
  const url = values.url ?? env.CUSTOS_URL;
  const token = values.token ?? env.CUSTOS_TOKEN;
  if (!url) throw new AdminUsageError('--url <gateway base URL> (or CUSTOS_URL) is required');
  if (!token) throw new AdminUsageError('--token <bearer token> (or CUSTOS_TOKEN) is required');
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new AdminUsageError(`--url is not a URL: '${url}'`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new AdminUsageError('--url must be http(s)');
  return { url: base.href.replace(/\/$/, ''), token };
}

/** Calls the admin API; returns the JSON answer or throws AdminApiError. */
export async function adminRequest(
  target: AdminTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.token}`,
    accept: 'application/json',
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await request(`${target.url}/admin/v1${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new AdminApiError(
      r.statusCode,
      'CUSTOS_BAD_ANSWER',
      `the gateway answered ${r.statusCode} without JSON`,
    );
  }
  if (r.statusCode >= 400) {
    const e = (json.error ?? {}) as { code?: string; message?: string };
    throw new AdminApiError(
      r.statusCode,
      e.code ?? `HTTP_${r.statusCode}`,
      e.message ?? `HTTP ${r.statusCode}`,
    );
  }
  return json;
}

/** Runs a CLI command body, turning usage and API errors into messages and exit codes (2, 1). */
export async function runAdminCommand(
  name: string,
  usage: string,
  io: Io,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (err instanceof AdminUsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${name}: ${(err as Error).message}\n${usage}`);
      return 2;
    }
    if (err instanceof AdminApiError) {
      io.stderr.write(`${name}: ${err.code}: ${err.message}\n`);
      return 1;
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code.startsWith('UND_ERR')) {
      io.stderr.write(`${name}: cannot reach the gateway: ${(err as Error).message || code}\n`);
      return 1;
    }
    throw err;
  }
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import type {
  Exchange,
  GatewayContext,
  IngressRequest,
  IngressResponse,
  Upstream,
} from '../core/exchange.ts';
import { LiveSet } from '../core/live-set.ts';
import { uuidv7 } from '../core/uuid7.ts';
import { buildServerCredentials } from '../credentials/step.ts';
import { SessionTable } from '../session/index.ts';
import { openSqliteStore, type Store } from '../store/index.ts';
import { attachFastIngress, type FastIngress, FastRequest } from '../transport/http1-server.ts';
import { compileHostCheck, compileOriginCheck } from '../transport/ingress.ts';
import { answerError } from '../transport/respond.ts';
import { createHttpUpstream } from '../transport/upstream-http.ts';
import { createStdioUpstream, ProcessBudget } from '../transport/upstream-stdio.ts';
import { buildApprovals, buildServerPins } from './approvals.ts';
import { attachCapture, auditAdminParts, resolveAudit, startAuditSink, startRetention } from './audit.ts';
import { AuditedFastResponse, AuditedResponse } from './audited-response.ts';
import { buildAuth } from './auth.ts';
import { runExchange } from './pipeline.ts';

export const ROUTE_PREFIX = '/mcp/';
/**
 * A request head at most, for node:http and the own server alike: tokens up to 16 KiB must reach
 * the authenticate step (to be answered 401, not 431).
 */
const MAX_HEAD_BYTES = 32 * 1024;

export interface Gateway {
  readonly url: string;
  readonly routes: ReadonlyMap<string, string>;
  readonly ctx: GatewayContext;
  /** Stops accepting, lets in-flight exchanges finish (up to limits.drainSeconds), closes everything. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** An already open store (tests); otherwise the configured SQLite file is opened. */
  store?: Store;
}

export async function startGateway(config: Readonly<Config>, opts: GatewayOptions = {}): Promise<Gateway> {
  const store = opts.store ?? openSqliteStore({ path: config.store.sqlite.path });
  const sessions = new SessionTable(config.limits);
  const upstreams = new Map<string, Upstream>();
  const timeoutMs = config.limits.upstreamTimeoutSeconds * 1000;
  const budget = new ProcessBudget(config.limits.stdioProcesses);
  const auditKeys = await resolveAudit(config);
  // Loaded only when configured: the detectors and CEL are the heaviest modules to start.
  const masking = Object.values(config.servers).some((s) => s.masking)
    ? (await import('../masking/step.ts')).buildMasking(config, auditKeys.hmacKey)
    : undefined;
  const audit = startAuditSink(auditKeys, store, masking?.compiled);
  for (const [name, s] of Object.entries(config.servers)) {
    if (s.http) upstreams.set(name, createHttpUpstream(name, s.http, { timeoutMs }));
    else if (s.stdio) {
      upstreams.set(name, createStdioUpstream(name, s.stdio, { timeoutMs, budget }));
    }
  }
  let base = '';
  const ctx: GatewayContext = {
    config,
    store,
    sessions,
    upstreams,
    authenticate: () => {
      throw new GatewayError('CUSTOS_SHUTTING_DOWN', { retryAfter: 1 });
    },
    credentials: buildServerCredentials(config),
    masking,
    audit,
    policy: config.policy ? (await import('../policy/step.ts')).buildPolicy(config.policy.file) : undefined,
    approvals: await buildApprovals(
      config,
      store,
      () => ctx,
      () => base,
    ),
    pins: buildServerPins(config, store),
    longLived: new Set(),
    allowHost: compileHostCheck(config.listen.host, config.ingress.allowedHosts),
    allowOrigin: compileOriginCheck(config.listen.host, config.ingress.allowedOrigins),
    draining: false,
  };
  const retention = startRetention(config, audit);
  const inflight = new LiveSet<Promise<void>>();
  const exchanges = new LiveSet<Exchange>();
  let extraRoute: (
    path: string,
  ) => ((req: IncomingMessage, res: ServerResponse) => void | Promise<void>) | undefined = () => undefined;

  // Until authentication is built (it needs the listening URL), requests wait for it.
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  let onRequest = (req: IngressRequest, res: IngressResponse): void => {
    void ready.then(() => onRequest(req, res));
  };
  const serve = (req: IngressRequest, res: IngressResponse): void => {
    const p = handle(ctx, req, res, exchanges, extraRoute);
    if (p) {
      const entry = inflight.add(p);
      void p.finally(() => inflight.delete(entry));
    }
  };
  const server = createServer(
    { maxHeaderSize: MAX_HEAD_BYTES, ServerResponse: AuditedResponse },
    (req, res) => onRequest(req, res),
  );
  // Reading a request body may take this long; answers (streams) are not limited by it.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  // The MCP routes' requests are read by the gateway's own server first (src/transport/http1-server.ts).
  const fast: FastIngress | undefined = config.ingress.ownHttpServer
    ? attachFastIngress(
        server,
        {
          accepts: (path) => path.startsWith(ROUTE_PREFIX),
          maxHeadBytes: MAX_HEAD_BYTES,
          maxBodyBytes: config.ingress.maxBodyBytes,
          keepAliveMs: server.keepAliveTimeout,
          headersTimeoutMs: server.headersTimeout,
          requestTimeoutMs: server.requestTimeout,
          Response: AuditedFastResponse,
        },
        (req, res) => onRequest(req, res),
      )
    : undefined;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  const routes = new Map<string, string>();
  for (const name of upstreams.keys()) routes.set(name, `${url}${ROUTE_PREFIX}${name}`);
  base =
    config.auth.mode === 'tokens' && config.auth.resource ? config.auth.resource.replace(/\/$/, '') : url;
  let auth: Awaited<ReturnType<typeof buildAuth>>;
  try {
    auth = await buildAuth(config, store, base);
  } catch (err) {
    server.close();
    ctx.approvals?.close();
    ctx.pins?.close();
    await audit.close();
    await store.close();
    throw err;
  }
  ctx.authenticate = auth.authenticate;
  // The admin API authenticates its callers like MCP calls; without authentication it is off
  // (and not even loaded).
  if (auth.identify) {
    const { ADMIN_PREFIX, adminRoutes, createAdminHandler } = await import('../admin/index.ts');
    const admin = createAdminHandler(
      auth.identify,
      adminRoutes({
        approvals: ctx.approvals,
        pins: ctx.pins,
        adminGroups: config.admin.groups,
        audit: auditAdminParts(config, store, audit, auditKeys),
      }),
    );
    const routeAuth = auth.route;
    extraRoute = (path) =>
      path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`) ? admin : routeAuth(path);
  } else extraRoute = auth.route;
  auth.watch(ctx, exchanges);
  onRequest = serve;
  markReady();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ctx.draining = true;
      server.close();
      server.closeIdleConnections();
      fast?.closeIdleConnections();
      // Long-lived streams carry no request that could finish: end them cleanly now.
      for (const s of [...ctx.longLived]) s.end();
      const deadline = new Promise<void>((r) => setTimeout(r, config.limits.drainSeconds * 1000).unref());
      await Promise.race([Promise.allSettled([...inflight]), deadline]);
      sessions.closeAll();
      server.closeAllConnections();
      fast?.closeAllConnections();
      await Promise.allSettled([...upstreams.values()].map((u) => u.close()));
      auth.close();
      for (const c of ctx.credentials.values()) c.close();
      ctx.policy?.close();
      clearInterval(retention);
      ctx.approvals?.close();
      ctx.pins?.close();
      await audit.close();
      await store.close();
    })();
    return closing;
  };
  return { url, routes, ctx, close };
}

const ALLOWED_METHODS = 'GET, POST, DELETE';

function handle(
  ctx: GatewayContext,
  req: IngressRequest,
  res: IngressResponse,
  exchanges: LiveSet<Exchange>,
  extraRoute: (
    path: string,
  ) => ((req: IncomingMessage, res: ServerResponse) => void | Promise<void>) | undefined,
): Promise<void> | undefined {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (path === '/healthz') {
    res
      .writeHead(ctx.draining ? 503 : 200, { 'content-type': 'text/plain' })
      .end(ctx.draining ? 'draining' : 'ok');
    return undefined;
  }
  // The gateway's own server takes MCP routes only; every other route is node:http's.
  if (!path.startsWith(ROUTE_PREFIX) && !(req instanceof FastRequest)) {
    const extra = extraRoute(path);
    if (extra) {
      if (!ctx.allowHost(req.headers.host)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: Host not allowed');
        return undefined;
      }
      return Promise.resolve(extra(req as IncomingMessage, res as ServerResponse)).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error');
        else res.destroy();
      });
    }
  }
  const name = path.startsWith(ROUTE_PREFIX) ? path.slice(ROUTE_PREFIX.length).replace(/\/$/, '') : undefined;
  const upstream = name === undefined ? undefined : ctx.upstreams.get(name);
  const method = req.method;
  const ex = newExchange(ctx, req, res, upstream, method);
  if (!upstream) {
    answerError(ex, new GatewayError('CUSTOS_ROUTE_NOT_FOUND'));
    return undefined;
  }
  if (method === 'OPTIONS') {
    preflight(ctx, ex);
    return undefined;
  }
  if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
    res.setHeader('allow', ALLOWED_METHODS);
    answerError(ex, new GatewayError('CUSTOS_METHOD_NOT_ALLOWED'));
    return undefined;
  }
  if (ctx.draining) {
    res.setHeader('connection', 'close');
    answerError(ex, new GatewayError('CUSTOS_SHUTTING_DOWN', { retryAfter: 5 }));
    return undefined;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && ctx.allowOrigin(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader(
      'access-control-expose-headers',
      'mcp-session-id, mcp-protocol-version, x-custos-request-id',
    );
    res.setHeader('vary', 'Origin');
  }
  attachCapture(ex);
  const entry = exchanges.add(ex);
  return runExchange(ex).finally(() => exchanges.delete(entry));
}

function newExchange(
  ctx: GatewayContext,
  req: IngressRequest,
  res: IngressResponse,
  upstream: Upstream | undefined,
  method: string | undefined,
): Exchange {
  return {
    id: uuidv7(), // time-ordered: the audit's index on ids grows at its end (src/core/uuid7.ts)
    ctx,
    req,
    res,
    receivedAt: Date.now(),
    startedNs: process.hrtime.bigint(),
    upstream: upstream ?? UNROUTED,
    httpMethod: method === 'GET' || method === 'DELETE' ? method : 'POST',
    era: 'legacy',
    protocolVersion: undefined,
    body: undefined,
    messages: [],
    isBatch: false,
    identity: undefined,
    token: undefined,
    upstreamHeaders: undefined,
    upstreamEnv: undefined,
    outbound: undefined,
    found: undefined,
    findingCount: 0,
    maskingExempt: false,
    maskingProfile: undefined,
    rawMessages: undefined,
    forwardedNs: undefined,
    policyRule: undefined,
    policyEffect: undefined,
    approvalNeed: undefined,
    approvalId: undefined,
    cancel: undefined,
    session: undefined,
    upstreamNs: undefined,
    bytesOut: 0,
    streaming: false,
    outcome: 'ok',
    errorCode: null,
  };
}

/** CORS preflight, only for the browser Origins the config lists. */
function preflight(ctx: GatewayContext, ex: Exchange): void {
  const origin = ex.req.headers.origin;
  if (origin === undefined) {
    answerError(ex, new GatewayError('CUSTOS_METHOD_NOT_ALLOWED'));
    return;
  }
  if (!ctx.allowOrigin(origin)) {
    answerError(ex, new GatewayError('CUSTOS_ORIGIN_FORBIDDEN'));
    return;
  }
  ex.res
    .writeHead(204, {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers':
        'content-type, accept, authorization, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id, ' +
        (ex.req.headers['access-control-request-headers'] ?? ''),
      'access-control-max-age': '600',
      vary: 'Origin',
    })
    .end();
}

const UNROUTED: Upstream = {
  name: '(none)',
  kind: 'http',
  forward: () => Promise.reject(new GatewayError('CUSTOS_ROUTE_NOT_FOUND')),
  endSession: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

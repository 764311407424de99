import { createPublicKey, generateKeyPairSync, type JsonWebKey, randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditParts } from '../admin/index.ts';
import type { ExchangeFacts } from '../audit/event.ts';
import { retentionRules } from '../audit/retention.ts';
import { loadOrCreateSecretKey } from '../audit/secret-key-file.ts';
import { formatVerifierKey } from '../audit/signed-note.ts';
import { type AuditSink, AuditUnavailableError, startSink } from '../audit/sink.ts';
import type { CapturedRecording } from '../audit/writer.ts';
import type { WriterSetup } from '../audit/writer-setup.ts';
import type { Config } from '../config/index.ts';
import { loadOrCreateEd25519KeyFile } from '../core/ed25519-key-file.ts';
import { GatewayError } from '../core/errors.ts';
import { type Exchange, exchangeMethod } from '../core/exchange.ts';
import { targetName } from '../core/jsonrpc.ts';
import { log } from '../core/log.ts';
import { PARSE_ONCE } from '../core/parse-once.ts';
import type { CompiledMasking } from '../masking/compile.ts';
import { maskingConfigSchema } from '../masking/config.ts';
import { loadHmacKey } from '../masking/keys.ts';
import type { FoundInAnswer } from '../masking/types.ts';
import { openConnection, type Store } from '../store/index.ts';
import { errorBody, REQUEST_ID_HEADER } from '../transport/respond.ts';
import { type CapturingResponse, ResponseCapture } from './audited-response.ts';

// The gateway's side of the audit trail (issue 7): what an exchange's event says, the recording of
// its bytes, and the rule that its answer is released only once the event is durable. The writer
// itself (masking the recording, sealing raw copies, the chain) is src/audit.

export interface AuditKeys {
  /** The deployment's HMAC key: pseudonyms, finding hashes, the blind index. */
  readonly hmacKey: Buffer;
  readonly setup: WriterSetup;
  /** `<origin>+<key ID>+<key>`: the checkpoint key as a witness or an auditor is given it. */
  readonly verifierKey: string;
}

/** Where the keys live by default: beside the SQLite file. ':memory:' keeps them in memory. */
function keyPath(config: Readonly<Config>, explicit: string | undefined, name: string): string | undefined {
  if (explicit !== undefined) return explicit;
  const db = config.store.sqlite.path;
  return db === ':memory:' ? undefined : join(dirname(db), name);
}

/** Loads (or creates) the audit's keys and describes the writer. */
export async function resolveAudit(config: Readonly<Config>): Promise<AuditKeys> {
  const audit = config.audit;
  const hmacFile = config.masking?.hmacKeyFile;
  const hmacDefault = keyPath(config, undefined, 'custos-hmac.key');
  const hmacKey =
    hmacFile !== undefined
      ? loadHmacKey(hmacFile)
      : hmacDefault !== undefined
        ? loadOrCreateSecretKey(hmacDefault, 'the HMAC key')
        : randomBytes(32);
  const signingFile = keyPath(config, audit.signingKeyFile, 'custos-audit-signing.jwk');
  const signingKey: JsonWebKey =
    signingFile !== undefined
      ? (await loadOrCreateEd25519KeyFile(signingFile, 'the audit signing key')).privateKey.export({
          format: 'jwk',
        })
      : generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const retainsRaw = Object.values(config.servers).some((s) => s.audit.retainRaw);
  const kekFile = keyPath(config, audit.keyFile, 'custos-audit.key');
  const kek = !retainsRaw
    ? null
    : kekFile !== undefined
      ? loadOrCreateSecretKey(kekFile, 'the audit key')
      : randomBytes(32);
  const setup: WriterSetup = {
    path: config.store.sqlite.path,
    masking: { ...(config.masking ?? maskingConfigSchema.parse({}, PARSE_ONCE)), hmacKeyFile: undefined },
    recordingProfile: audit.recordingProfile,
    hmacKey,
    kek,
    signingKey,
    origin: audit.origin ?? defaultOrigin(config),
    checkpointEvery: audit.checkpoints.every,
    checkpointIntervalMs: audit.checkpoints.interval * 1000,
    checkpointFile: audit.checkpoints.file,
    checkpointWebhook: audit.checkpoints.webhook,
  };
  const verifierKey = formatVerifierKey(setup.origin, createPublicKey({ key: signingKey, format: 'jwk' }));
  return { hmacKey, setup, verifierKey };
}

/** The log's name in its checkpoints: the gateway's public host (else this host's name) and a fixed path. */
function defaultOrigin(config: Readonly<Config>): string {
  const resource = config.auth.mode === 'tokens' ? config.auth.resource : undefined;
  return `${resource ? new URL(resource).host : hostname()}/custos/audit`;
}

/** The audit sink on the store: a connection of its own for a file, the store's for ':memory:'. */
export function startAuditSink(keys: AuditKeys, store: Store, masking?: CompiledMasking): AuditSink {
  const db = keys.setup.path === ':memory:' ? store.db : openConnection(keys.setup.path);
  return startSink(keys.setup, db, masking);
}

/** What the admin API's audit endpoints need (src/admin/audit-api.ts). */
export function auditAdminParts(
  config: Readonly<Config>,
  store: Store,
  sink: AuditSink,
  keys: AuditKeys,
): AuditParts {
  let lookup: Promise<(value: string) => Buffer[]> | undefined;
  return {
    sql: store.audit,
    auditors: config.audit.auditors,
    rawViewers: config.audit.rawViewers,
    async subjectKeys(value) {
      // The masking engine loads on the first data-subject search, not at boot.
      lookup ??= import('./audit-subjects.ts').then((m) => m.subjectLookup(keys));
      return (await lookup)(value);
    },
    record: (facts) => sink.submit({ facts }),
    kek: keys.setup.kek === null ? null : Buffer.from(keys.setup.kek),
    checkpoint() {
      const cp = store.audit.latestCheckpoint();
      return cp && { note: cp.note, size: cp.size, verifierKey: keys.verifierKey };
    },
  };
}

/** Applies the servers' retention periods now and then (none declared: no timer). */
export function startRetention(config: Readonly<Config>, sink: AuditSink): NodeJS.Timeout | undefined {
  if (
    !Object.values(config.servers).some(
      (s) => s.audit.retention.masked !== undefined || s.audit.retention.raw !== undefined,
    )
  )
    return undefined;
  const run = (): void => {
    const now = Date.now();
    sink
      .retain(retentionRules(config.servers, now), {
        kind: 'retention',
        id: randomUUID(),
        at: now,
        actor: 'custos',
        server: null,
        target: null,
        action: 'retention',
        reason: 'servers.<name>.audit.retention',
      })
      .catch((err: unknown) => log('error', 'retention not applied', { error: String(err) }));
  };
  const timer = setInterval(run, config.audit.retentionInterval * 1000);
  timer.unref();
  setImmediate(run);
  return timer;
}

/** Starts recording what is sent back for a routed exchange; its end waits for the event. */
export function attachCapture(ex: Exchange): void {
  const res = ex.res as CapturingResponse;
  const capture: ResponseCapture = new ResponseCapture(
    ex.startedNs,
    ex.ctx.config.audit.maxRecordingBytes,
    () => submitExchange(ex, capture),
    (err, r) => refuseUnrecorded(ex, err, r),
  );
  res.capture = capture;
}

/**
 * The audit step, right before forward: no request reaches an upstream while its exchange could
 * not be recorded (fail closed); and where the server keeps raw copies, the upstream's messages
 * are kept before any outbound transform (list filtering, masking) changes them.
 */
export function auditStep(ex: Exchange): void {
  const { audit, config } = ex.ctx;
  if (!audit.healthy && config.audit.onStoreFailure === 'refuse') {
    throw new GatewayError('CUSTOS_AUDIT_UNAVAILABLE', { retryAfter: 5 });
  }
  ex.forwardedNs = process.hrtime.bigint();
  // An SSE answer is held at the response to the last of these requests.
  const c = (ex.res as CapturingResponse).capture;
  if (c) {
    const ids: string[] = [];
    for (const m of ex.messages)
      if (m.method !== undefined && m.id !== undefined && m.id !== null) ids.push(JSON.stringify(m.id));
    if (ids.length > 0) {
      c.pending = new Set(ids);
      // An answer is on its way: a commit due meanwhile may wait for its event (src/audit/sink.ts).
      c.expected = audit.expect();
    }
  }
  const prev = ex.outbound;
  if (prev && config.servers[ex.upstream.name]?.audit.retainRaw) {
    const raw: typeof ex.rawMessages = [];
    ex.rawMessages = raw;
    ex.outbound = (msg) => {
      raw.push(msg);
      return prev(msg);
    };
  }
}

/** Waits for the exchange's event: submitted at the answer's end, or now when there was none. */
export async function settleExchange(ex: Exchange): Promise<void> {
  const c = (ex.res as CapturingResponse).capture;
  if (!c) return;
  if (!c.committed && !c.ending) {
    // No answer was completed (the client went away, the connection was cut): still an exchange.
    c.ending = true;
    c.released = true;
    c.committed = submitExchange(ex, c).catch((err: unknown) => {
      log('error', 'exchange not recorded', { requestId: ex.id, error: String(err) });
    });
  }
  await c.committed;
}

/**
 * Submits the exchange's event, which the group commit no longer waits for. Every exchange passes
 * here exactly once: at its answer's end (the capture's commit) or, without one, in settleExchange.
 */
function submitExchange(ex: Exchange, c: ResponseCapture): Promise<void> {
  c.expected?.();
  c.expected = undefined;
  return ex.ctx.audit.submit(exchangeSubmission(ex));
}

function refuseUnrecorded(ex: Exchange, err: unknown, res: CapturingResponse): 'serve' | 'refuse' {
  const serve = ex.ctx.config.audit.onStoreFailure === 'serve';
  log(
    'error',
    serve
      ? 'exchange served UNRECORDED (audit.onStoreFailure: serve)'
      : 'answer withheld: the exchange could not be recorded',
    {
      requestId: ex.id,
      server: ex.upstream.name,
      error: err instanceof AuditUnavailableError ? err.message : String(err),
    },
  );
  if (serve) return 'serve';
  ex.outcome = 'error';
  ex.errorCode = 'CUSTOS_AUDIT_UNAVAILABLE';
  const c = res.capture;
  if (res.headersSent) {
    if (c) c.held.length = 0;
    // Part of the answer is out; cutting the connection keeps the client from taking it as complete.
    res.destroy();
    return 'refuse';
  }
  // The answer's head was kept back: an error answer takes its place.
  if (c) {
    c.head = undefined;
    c.held.length = 0;
  }
  const body = errorBody(ex, new GatewayError('CUSTOS_AUDIT_UNAVAILABLE', { retryAfter: 5 }));
  res.writeHead(503, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'retry-after': '5',
    [REQUEST_ID_HEADER]: ex.id,
  });
  res.end(body);
  return 'refuse';
}

const ms = (ex: Exchange, ns: bigint | undefined): number | null =>
  ns === undefined ? null : ex.receivedAt + Number((ns - ex.startedNs) / 1000n) / 1000;

/** What the event says about the exchange, as of now (its end). */
export function exchangeFacts(ex: Exchange): ExchangeFacts {
  const end = process.hrtime.bigint();
  const id = ex.identity;
  const first = ex.messages[0];
  const meta = first?.params?._meta as Record<string, unknown> | undefined;
  const info = (ex.session?.client ?? meta?.['io.modelcontextprotocol/clientInfo']) as
    | { name?: unknown; version?: unknown }
    | undefined;
  const ua = ex.req.headers['user-agent'];
  const findings = ex.found === undefined ? null : { ...ex.found.types };
  return {
    kind: 'exchange',
    id: ex.id,
    receivedAt: ex.receivedAt,
    forwardedAt: ms(ex, ex.forwardedNs),
    answeredAt: ms(ex, ex.upstreamNs),
    endedAt: ms(ex, end) as number,
    server: ex.upstream.name,
    era: ex.era,
    protocolVersion: ex.protocolVersion ?? ex.session?.protocolVersion ?? null,
    sessionId: ex.session?.id ?? null,
    caller: id?.subject ?? 'unauthenticated',
    identity: id
      ? {
          subject: id.subject,
          method: id.method,
          issuer: id.issuer,
          user: id.user ?? null,
          groups: id.groups,
          tokenId: id.tokenId ?? null,
        }
      : null,
    client:
      info || ua
        ? {
            name: typeof info?.name === 'string' ? info.name.slice(0, 256) : null,
            version: typeof info?.version === 'string' ? info.version.slice(0, 64) : null,
            userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
          }
        : null,
    method: exchangeMethod(ex),
    name: first ? (targetName(first) ?? null) : null,
    calls:
      ex.messages.length > 1
        ? ex.messages.map((m) => ({ method: m.method ?? 'response', name: targetName(m) ?? null }))
        : null,
    httpStatus: ex.res.statusCode,
    outcome: ex.outcome,
    errorCode: ex.errorCode,
    durationUs: Number((end - ex.startedNs) / 1000n),
    upstreamUs: ex.upstreamNs === undefined ? null : Number((ex.upstreamNs - ex.startedNs) / 1000n),
    bytesIn: ex.body?.length ?? 0,
    bytesOut: ex.bytesOut,
    findings,
    masking: ex.found === undefined ? null : ex.maskingExempt ? 'exempt' : 'masked',
    policyRule: ex.policyRule ?? null,
    policyEffect: ex.policyEffect ?? null,
    approvalId: ex.approvalId ?? null,
  };
}

/** Request headers that carry protocol meaning (and, for Mcp-Param-*, arguments). */
function recordedHeaders(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const h = ex.req.headers;
  for (const k in h) {
    if (k === 'mcp-method' || k === 'mcp-name' || k === 'last-event-id' || k.startsWith('mcp-param-')) {
      const v = h[k];
      if (typeof v === 'string') out[k] = v;
    }
  }
  return out;
}

function exchangeSubmission(ex: Exchange): { facts: ExchangeFacts; recording: CapturedRecording } {
  const c = (ex.res as CapturingResponse).capture as ResponseCapture;
  const outMasked = ex.found !== undefined && !ex.maskingExempt;
  const retainRaw = ex.ctx.config.servers[ex.upstream.name]?.audit.retainRaw === true;
  return {
    facts: exchangeFacts(ex),
    recording: {
      headers: recordedHeaders(ex),
      body: ex.body ?? null,
      status: c.status || ex.res.statusCode,
      contentType: c.contentType,
      frames: c.frames,
      truncated: c.truncated,
      outMasked,
      profile: ex.maskingProfile ?? null,
      // Duplicates and all, as bytes: the writer's subject set drops them once sorted.
      subjects: ex.found?.hashes ?? [],
      // When the answer went out masked, the writer does not mask it again: what was found is told here.
      answerTypes: outMasked ? { ...(ex.found as FoundInAnswer).types } : {},
      retainRaw,
      rawMessages: retainRaw && ex.rawMessages ? ex.rawMessages : null,
    },
  };
}

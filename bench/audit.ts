import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { exportDsar } from '../src/audit/dsar.ts';
import type { ExchangeFacts } from '../src/audit/event.ts';
import { ed25519Verifier, formatVerifierKey } from '../src/audit/signed-note.ts';
import { startSink } from '../src/audit/sink.ts';
import { subjectKeysFor } from '../src/audit/subjects.ts';
import { searchTrail } from '../src/audit/trail.ts';
import { verifyTrail } from '../src/audit/verify.ts';
import type { CapturedRecording, Submission } from '../src/audit/writer.ts';
import { buildWriter, type WriterSetup } from '../src/audit/writer-setup.ts';
import { compileProfile } from '../src/masking/compile.ts';
import { maskingConfigSchema, profileSchema } from '../src/masking/config.ts';
import { createAuditSql, prepareDatabase } from '../src/store/index.ts';

// The audit trail's benchmark (issue 7), not a test: figures printed, no pass or fail.
//   1. durable events/s with group commit — the writer on a SQLite file (WAL, synchronous=FULL),
//      batch by batch, and through the gateway's sink with many events in flight, as the gateway
//      submits them; the floor is one commit (one fsync) per event;
//   2. `audit search --subject` and a DSAR export on a store of 1,000,000 events (target < 1 s);
//      the store is generated once and kept in bench/results/ for later runs.
// The added latency of durable audit per call is in `npm run bench` (custos vs custos-memory).

const USAGE = `usage: node --import tsx bench/audit.ts [--events N] [--store-events N] [--skip-big]`;
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    'store-events': { type: 'string', default: '1000000' },
    'skip-big': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const EVENTS = Number(values.events);
const BIG = Number(values['store-events']);
const say = (s: string): boolean => process.stdout.write(`${s}\n`);

// Fixed bench keys (never a deployment's): the 1M-event store is kept between runs and must still
// be searchable (HMAC) and verifiable (checkpoint key) by the next one.
const HMAC = Buffer.alloc(32, 7);
const privateKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 9)]),
  format: 'der',
  type: 'pkcs8',
});
function setupFor(path: string): WriterSetup {
  return {
    path,
    masking: maskingConfigSchema.parse({}),
    recordingProfile: 'default',
    hmacKey: HMAC,
    kek: null,
    signingKey: privateKey.export({ format: 'jwk' }),
    origin: 'bench.example/custos/audit',
    checkpointEvery: 1000,
    checkpointIntervalMs: 60_000,
    checkpointFile: undefined,
    checkpointWebhook: undefined,
  };
}

let n = 0;
function facts(at = Date.now(), caller = 'demo:u-alice-0001'): ExchangeFacts {
  n++;
  return {
    kind: 'exchange',
    id: `ex-${n}`,
    receivedAt: at,
    forwardedAt: at,
    answeredAt: at + 1,
    endedAt: at + 2,
    server: 'crm',
    era: 'legacy',
    protocolVersion: '2025-11-25',
    sessionId: `s-${n % 97}`,
    caller,
    identity: {
      subject: caller,
      method: 'oidc',
      issuer: 'demo',
      user: null,
      groups: ['support'],
      tokenId: null,
    },
    client: { name: 'bench', version: '1', userAgent: null },
    method: 'tools/call',
    name: n % 3 === 0 ? 'search_customers' : 'get_customer',
    calls: null,
    httpStatus: 200,
    outcome: 'ok',
    errorCode: null,
    durationUs: 900,
    upstreamUs: 600,
    bytesIn: 120,
    bytesOut: 240,
    findings: { EMAIL: 1 },
    masking: 'masked',
    policyRule: 'support-read',
    policyEffect: 'allow',
    approvalId: null,
  };
}

/** A small tools/call on a masking route: the answer went out masked; the request is masked here. */
function recording(email: string, subjectHash?: string): CapturedRecording {
  return {
    headers: {},
    body: Buffer.from(
      `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_customer","arguments":{"email":"${email}"}}}`,
    ),
    status: 200,
    contentType: 'application/json',
    frames: [
      [
        640,
        Buffer.from(
          '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"j***@example.com, +49 *** ***12"}]}}',
        ),
      ],
    ],
    truncated: false,
    outMasked: true,
    profile: null,
    subjects: subjectHash ? [Buffer.from(subjectHash, 'hex')] : [],
    answerTypes: { EMAIL: 1, PHONE: 1 },
    retainRaw: false,
    rawMessages: null,
  };
}

function freshDb(dir: string, name: string): { path: string; db: Database.Database } {
  const path = join(dir, name);
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const db = new Database(path);
  prepareDatabase(db);
  return { path, db };
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function durable(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-audit-'));
  say(`== durable events/s (SQLite WAL, synchronous=FULL; ${EVENTS} events per row; ${dir})`);
  say('row                                          events/s   CPU µs/event   wall µs/event');
  const row = (label: string, count: number, wallMs: number, cpu: number): void => {
    say(
      `${label.padEnd(44)} ${String(Math.round((count / wallMs) * 1000)).padStart(8)}   ${(cpu / count).toFixed(1).padStart(12)}   ${((wallMs * 1000) / count).toFixed(1).padStart(13)}`,
    );
  };
  for (const [batch, withRecording] of [
    [1, true],
    [10, true],
    [100, true],
    [500, true],
    [500, false],
  ] as const) {
    const { db } = freshDb(dir, `b${batch}${withRecording ? 'r' : ''}.db`);
    const w = buildWriter(setupFor(':unused'), db);
    const count = batch === 1 ? Math.min(EVENTS, 2000) : EVENTS;
    const c0 = cpuUs();
    const t0 = performance.now();
    for (let i = 0; i < count; i += batch) {
      const subs: Submission[] = [];
      for (let j = 0; j < batch; j++)
        subs.push(
          withRecording
            ? { facts: facts(), recording: recording(`c${i + j}@example.com`) }
            : { facts: facts() },
        );
      w.write(subs);
    }
    row(
      `writer, batches of ${batch}${withRecording ? ', small recordings' : ', events only'}`,
      count,
      performance.now() - t0,
      cpuUs() - c0,
    );
    db.close();
  }
  // As the gateway does it: submissions from the event loop, one transaction per turn, whose
  // commit syncs the WAL (synchronous=FULL): one sync for every event of the turn.
  for (const inflight of [1, 16, 256]) {
    const { path, db } = freshDb(dir, `sink${inflight}.db`);
    const sink = startSink(setupFor(path), db);
    const count = inflight === 1 ? Math.min(EVENTS, 2000) : EVENTS;
    let next = 0;
    const c0 = cpuUs();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (next < count) {
          next++;
          await sink.submit({ facts: facts(), recording: recording(`c${next}@example.com`) });
        }
      }),
    );
    const wall = performance.now() - t0;
    row(`gateway sink, ${inflight} in flight (durable)`, count, wall, cpuUs() - c0);
    await sink.close(); // closes its connection too
  }
  // The same without a file: what durability costs per event, beside it.
  {
    const mem = new Database(':memory:');
    prepareDatabase(mem);
    const sink = startSink(setupFor(':memory:'), mem);
    const c0 = cpuUs();
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i += 256)
      await Promise.all(
        Array.from({ length: 256 }, () =>
          sink.submit({ facts: facts(), recording: recording('x@example.com') }),
        ),
      );
    row('gateway sink, :memory: (no fsync, baseline)', EVENTS, performance.now() - t0, cpuUs() - c0);
    await sink.close();
  }
  rmSync(dir, { recursive: true, force: true });
}

/** A store of `size` events: 1 in 1,000 touches the sought subject, as a busy customer would. */
function bigStore(dir: string, name: string, size: number): string {
  const { path, db } = freshDb(dir, name);
  const w = buildWriter(setupFor(path), db);
  const profile = compileProfile(profileSchema.parse({}), { hmacKey: HMAC });
  const jane = subjectKeysFor('jane.roe@example.com', profile).keys[0]?.toString('hex') as string;
  const t0 = performance.now();
  const start = Date.now() - 365 * 86_400_000;
  for (let i = 0; i < size; i += 5000) {
    const subs: Submission[] = [];
    for (let j = 0; j < 5000 && i + j < size; j++) {
      const k = i + j;
      const at = start + Math.floor((k / size) * 365 * 86_400_000);
      subs.push({
        facts: facts(at, `demo:u-${k % 50}`),
        recording: recording(`c${k}@example.com`, k % 1000 === 0 ? jane : randomBytes(32).toString('hex')),
      });
    }
    w.write(subs);
    if (i % 100_000 === 0) process.stderr.write(`\rgenerating: ${i}/${size}`);
  }
  w.checkpoint(true);
  process.stderr.write(`\rgenerated ${size} events in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  db.close();
  return path;
}

async function big(): Promise<void> {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  // The kept store's name carries the version of the subject keys it was written with: keys from
  // an older build (HMAC-SHA256 finding hashes) would find no subject, so such a store is left be.
  const name = `audit-${BIG}-blake2s.db`;
  const path = existsSync(join(dir, name)) ? join(dir, name) : bigStore(dir, name, BIG);
  // A store kept from an earlier run takes the schema's migrations first.
  const migrating = new Database(path);
  const m0 = performance.now();
  const before = migrating.pragma('user_version', { simple: true });
  prepareDatabase(migrating);
  if (migrating.pragma('user_version', { simple: true }) !== before)
    say(`migrated the kept store in ${((performance.now() - m0) / 1000).toFixed(1)} s`);
  migrating.close();
  const db = new Database(path, { readonly: true });
  const sql = createAuditSql(db);
  say(`\n== a store of ${sql.count()} events (${path})`);
  const profile = compileProfile(profileSchema.parse({}), { hmacKey: HMAC });
  const time = <T>(label: string, fn: () => T): T => {
    const runs: number[] = [];
    let out: T | undefined;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      out = fn();
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    say(
      `${label.padEnd(58)} median ${(runs[2] as number).toFixed(1).padStart(8)} ms   (min ${(runs[0] as number).toFixed(1)}, max ${(runs[4] as number).toFixed(1)})`,
    );
    return out as T;
  };
  const keys = subjectKeysFor('jane.roe@example.com', profile).keys;
  const page = time('search --subject jane (first page of 100)', () =>
    searchTrail(sql, { subjects: keys, limit: 100 }),
  );
  time('search --subject jane (all, 10,000 a page)', () =>
    searchTrail(sql, { subjects: keys, limit: 10_000 }),
  );
  time('search --user --since 30d (first page of 100)', () =>
    searchTrail(sql, { caller: 'demo:u-7', since: Date.now() - 30 * 86_400_000, limit: 100 }),
  );
  time('search --tool --since 7d --until 1d (first page)', () =>
    searchTrail(sql, {
      name: 'search_customers',
      since: Date.now() - 7 * 86_400_000,
      until: Date.now() - 86_400_000,
      limit: 100,
    }),
  );
  const cp = sql.latestCheckpoint();
  if (cp) {
    const bundle = time(`dsar export jane (${sql.subjectSeqs(keys).length} exchanges, proofs, replay)`, () =>
      exportDsar(sql, {
        subject: 'jane.roe@example.com',
        keys,
        checkpoint: cp,
        origin: 'bench.example/custos/audit',
        verifierKey: formatVerifierKey('bench.example/custos/audit', createPublicKey(privateKey)),
      }),
    );
    say(
      `   (${page.events.length} on the first page; bundle ${bundle.exchanges.length} exchanges, ${Math.round(JSON.stringify(bundle).length / 1024)} KiB)`,
    );
  }
  const t0 = performance.now();
  const report = verifyTrail(sql, {
    verifiers: [ed25519Verifier('bench.example/custos/audit', createPublicKey(privateKey))],
  });
  say(
    `audit verify (every event, node and checkpoint)              ${((performance.now() - t0) / 1000).toFixed(1)} s, ${report.ok ? 'ok' : 'FAILED'}`,
  );
  db.close();
}

say(
  `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}, ${new Date().toISOString()}`,
);
try {
  say(`disk: ${execFileSync('df', ['-h', tmpdir()], { encoding: 'utf8' }).split('\n')[1]}`);
} catch {
  // df is informative only
}
await durable();
if (!values['skip-big']) await big();

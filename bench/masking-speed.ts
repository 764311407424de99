// Masking throughput: a realistic MCP tools/call result (the demo CRM's customers as text content
// and as structuredContent, ~75 KB, one finding every ~38 bytes) masked with the default profile,
// against baselines measured in the same run: JSON.parse + JSON.stringify alone, and a naive
// parse → regex → validate → stringify masker. Also the gateway's own path on the answer bytes
// (upstream-http: bytes → parse → maskMessage → stringify → bytes) for the CRM result and for
// `npm run bench`'s customer payload (bench/fake-customers.ts: 516 records, every value distinct
// but the names, JSON inside a text block only), small results, the CSV export, the same
// customers as prose, and a result with no personal data.
//
//   node --import tsx bench/masking-speed.ts [--iterations N]

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isValidIBAN } from 'ibantools';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { generateCustomers } from '../demo/crm/data.ts';
import type { JsonRpcMessage } from '../src/core/jsonrpc.ts';
import { createKeyedBlake2s } from '../src/masking/blake2s.ts';
import { compileProfile } from '../src/masking/compile.ts';
import { profileSchema } from '../src/masking/config.ts';
import { maskText } from '../src/masking/engine.ts';
import { createKeyedHash } from '../src/masking/hmac.ts';
import { maskMessage } from '../src/masking/message.ts';
import { fakeCustomers } from './fake-customers.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '400' } } });
const ITERATIONS = Number(values.iterations);
const TARGET_BYTES = 75_000;

function toolResult(count: number): JsonRpcMessage {
  const structured = { customers: generateCustomers({ count }), total: count };
  return {
    jsonrpc: '2.0',
    id: 7,
    result: { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured },
  };
}

let count = 1;
while (JSON.stringify(toolResult(count + 1)).length <= TARGET_BYTES) count++;
const message = toolResult(count);
const raw = JSON.stringify(message);
const rawBytes = Buffer.from(raw);
// What the bench upstream answers to `customer {bytes: 65536}` (SDK v1 key order).
const benchBytes = Buffer.from(
  JSON.stringify({
    result: { content: [{ type: 'text', text: fakeCustomers(65_536) }] },
    jsonrpc: '2.0',
    id: 3,
  }),
);
// Small answers, the shape of most calls: a lookup with four findings, and one with none.
const smallBytes = Buffer.from(
  JSON.stringify({
    jsonrpc: '2.0',
    id: 11,
    result: {
      content: [
        {
          type: 'text',
          text: 'Customer Jane Doe, jane.doe@example.com, +49 30 12345678, lives at Lindenstraße 12, 10115 Berlin.',
        },
      ],
    },
  }),
);
const quietBytes = Buffer.from(
  JSON.stringify({
    jsonrpc: '2.0',
    id: 12,
    result: { content: [{ type: 'text', text: 'build ok: 12 files changed, 3 warnings' }] },
  }),
);
const customers = generateCustomers({ count });
// The CSV export (demo export_customers: a header row, then one customer per line) and the
// same customers as prose, where only the free-text detectors can find them.
const csv = [
  'id,firstName,lastName,email,phone,iban,street,city,postalCode,country,dateOfBirth,nationalId',
  ...customers.map((c) =>
    [
      c.id,
      c.firstName,
      c.lastName,
      c.email,
      c.phone,
      c.iban,
      `"${c.address.street}"`,
      c.address.city,
      c.address.postalCode,
      c.address.country,
      c.dateOfBirth,
      c.nationalId.value,
    ].join(','),
  ),
].join('\r\n');
const prose = customers
  .map(
    (c) =>
      `Customer ${c.firstName} ${c.lastName} (${c.email}, tel ${c.phone}) lives at ${c.address.street}, ${c.address.postalCode} ${c.address.city}; born ${c.dateOfBirth}; IBAN ${c.iban}; ID ${c.nationalId.value}.`,
  )
  .join('\n');
const quiet = JSON.stringify({
  jsonrpc: '2.0',
  id: 8,
  result: {
    content: [{ type: 'text', text: 'build ok. '.repeat(7_000) }],
    structuredContent: {
      items: Array.from({ length: 900 }, (_, i) => ({
        sku: `SKU-${i}`,
        qty: i % 7,
        status: 'in stock',
        note: 'ships within two days',
      })),
    },
  },
});

const profile = compileProfile(profileSchema.parse({}), { hmacKey: randomBytes(32) }, { name: 'bench' });

const ROUNDS = 5;

/** CPU milliseconds per call (user + system), best of ROUNDS rounds: other processes only add. */
function cpuPerCall(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(iterations, 100); i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / iterations);
  }
  return best;
}

/** What transport/upstream-http does with a JSON answer when masking is on. */
const maskAnswer = (bytes: Buffer): Buffer =>
  Buffer.from(JSON.stringify(maskMessage(JSON.parse(bytes.toString('utf8')) as JsonRpcMessage, profile).msg));

// The naive masker DESIGN.md measured: every string through a list of regexes, then validators.
const NAIVE = [
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g,
  /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b/g,
  /\+?\d[\d ()/-]{6,}\d/g,
  /\b\d{9,15}\b/g,
];
function naiveString(s: string): string {
  let out = s;
  for (const re of NAIVE)
    out = out.replace(re, (m) =>
      m.includes('@') || isValidIBAN(m.replace(/ /g, '')) || isValidPhoneNumber(m, 'DE') ? '[PII]' : m,
    );
  return out;
}
function naiveWalk(v: unknown): unknown {
  if (typeof v === 'string') return naiveString(v);
  if (Array.isArray(v)) return v.map(naiveWalk);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, naiveWalk(x)]));
  return v;
}

const rows: [string, number, number][] = [];
const measure = (name: string, bytes: number, fn: () => void, iterations = ITERATIONS): void => {
  const ms = cpuPerCall(fn, iterations);
  rows.push([name, ms, bytes / 1e6 / (ms / 1000)]);
};

measure('maskMessage (parsed message in, masked message out)', raw.length, () =>
  maskMessage(message, profile),
);
measure('parse → maskMessage → stringify', raw.length, () =>
  JSON.stringify(maskMessage(JSON.parse(raw) as JsonRpcMessage, profile).msg),
);
measure('gateway: answer bytes → masked bytes (CRM result)', rawBytes.length, () => maskAnswer(rawBytes));
measure(
  `gateway: answer bytes → masked bytes (npm run bench customer, ${(benchBytes.length / 1000).toFixed(1)} KB)`,
  benchBytes.length,
  () => maskAnswer(benchBytes),
);
measure('  baseline: its bytes → parse → stringify → bytes', benchBytes.length, () =>
  Buffer.from(JSON.stringify(JSON.parse(benchBytes.toString('utf8')))),
);
measure(
  `gateway: a small result, 4 findings (${smallBytes.length} bytes)`,
  smallBytes.length,
  () => maskAnswer(smallBytes),
  ITERATIONS * 50,
);
measure(
  `gateway: a small result, none (${quietBytes.length} bytes)`,
  quietBytes.length,
  () => maskAnswer(quietBytes),
  ITERATIONS * 200,
);
measure('baseline: JSON.parse + JSON.stringify', raw.length, () => JSON.stringify(JSON.parse(raw)));
measure('baseline: naive parse → regex → validate → stringify', raw.length, () =>
  JSON.stringify(naiveWalk(JSON.parse(raw))),
);
measure('maskText on the CSV export (header row: by column)', csv.length, () => maskText(csv, profile, '$'));
measure('maskText on the same customers as prose (detectors only)', prose.length, () =>
  maskText(prose, profile, '$'),
);
measure('parse → maskMessage → stringify, no personal data', quiet.length, () =>
  JSON.stringify(maskMessage(JSON.parse(quiet) as JsonRpcMessage, profile).msg),
);

// For scale: the keyed hashes alone, timed on their own so no second profile shape enters the JIT.
// Findings' hashes were HMAC-SHA256, one value at a time (the pseudonym operator's still are); they
// are keyed BLAKE2s now, all of a call's values at once (four per WebAssembly SIMD pass).
const { findings: found } = maskMessage(message, profile);
const distinct = [...new Set(found.map((f) => f.valueHash))].length;
const hashOnly = customers.flatMap((c) =>
  [
    c.firstName,
    c.lastName,
    c.email,
    c.phone.replace(/\D/g, ''),
    c.iban,
    c.address.street,
    c.address.city,
    c.address.postalCode,
    c.dateOfBirth,
    c.nationalId.value,
  ].map((v) => v.toLowerCase()),
);
const hmac = createKeyedHash(randomBytes(32));
const blake2s = createKeyedBlake2s(randomBytes(32));
const blake2sScalar = createKeyedBlake2s(randomBytes(32), { simd: false });
measure(
  `  keyed hashes alone (${hashOnly.length} values; the result has ${distinct} distinct): HMAC-SHA256`,
  raw.length,
  () => {
    for (const v of hashOnly) hmac(v);
  },
);
measure('  … keyed BLAKE2s, one at a time', raw.length, () => {
  for (const v of hashOnly) blake2s.hash(v);
});
measure('  … keyed BLAKE2s, all at once, scalar', raw.length, () => blake2sScalar.hashAll(hashOnly));
measure('  … keyed BLAKE2s, all at once, 4 per SIMD pass (as maskMessage does)', raw.length, () =>
  blake2s.hashAll(hashOnly),
);
const findings = found.length;
console.log(
  `tools/call result: ${count} customers, ${(raw.length / 1000).toFixed(1)} KB, ${findings} findings; CSV ${(csv.length / 1000).toFixed(1)} KB, prose ${(prose.length / 1000).toFixed(1)} KB; ${ITERATIONS} iterations × ${ROUNDS} rounds, best round, process CPU time`,
);
console.log('');
console.log(`${'case'.padEnd(82)} ${'ms/call'.padStart(8)} ${'MB/s'.padStart(8)}`);
for (const [name, ms, mbs] of rows)
  console.log(
    `${name.padEnd(82)} ${(ms >= 0.1 ? ms.toFixed(3) : ms.toPrecision(3)).padStart(8)} ${(mbs > 0 ? mbs.toFixed(1) : '–').padStart(8)}`,
  );

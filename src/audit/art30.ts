import type { Config } from '../config/index.ts';
import type { AuditSql } from '../store/index.ts';
import { escapeHtml, page, table } from './html.ts';

// The record of processing activities (GDPR Art. 30(1)), one activity per MCP server: what the
// controller declared in the configuration (purposes, legal basis, data subjects, recipients,
// transfers, retention) beside what the trail observed (the categories of personal data that
// actually flowed, who received them, how much, when) and the measures Custos applied (Art. 32).

const CATEGORY: Readonly<Record<string, string>> = {
  PERSON: 'Names',
  EMAIL: 'Contact details: e-mail addresses',
  PHONE: 'Contact details: phone numbers',
  ADDRESS: 'Contact details: postal addresses',
  DATE_OF_BIRTH: 'Dates of birth',
  NATIONAL_ID: 'National identification numbers (Art. 87)',
  PASSPORT: 'Identity documents: passport numbers',
  ID_CARD: 'Identity documents: identity card numbers',
  IBAN: 'Financial data: bank accounts (IBAN)',
  CREDIT_CARD: 'Financial data: payment cards',
  IP_ADDRESS: 'Online identifiers: IP addresses',
  MAC_ADDRESS: 'Online identifiers: device (MAC) addresses',
};

export interface Art30Activity {
  server: string;
  description: string | null;
  purposes: string[];
  legalBasis: string | null;
  dataSubjects: string[];
  declaredRecipients: string[];
  transfers: { country: string; safeguard: string }[];
  retention: { masked: string; raw: string; rawKept: boolean };
  observed: {
    exchanges: number;
    firstSeen: string | null;
    lastSeen: string | null;
    /** Category → exchanges in which it appeared, and how many values. */
    categories: { type: string; category: string; exchanges: number; values: number }[];
    /** Who received data: groups (and workload kinds) of the callers, with distinct callers. */
    recipients: { recipient: string; callers: number; exchanges: number }[];
  };
  measures: string[];
}

export interface Art30Record {
  generatedAt: string;
  period: { from: string | null; to: string };
  controller: Config['audit']['controller'] | null;
  activities: Art30Activity[];
}

const days = (s: number | undefined): string =>
  s === undefined ? 'kept until erased' : `${Math.round(s / 86_400)} days`;

export function buildArt30(
  config: Readonly<Config>,
  sql: AuditSql,
  period: { since?: number; until?: number } = {},
  onProgress?: (done: number) => void,
): Art30Record {
  interface Acc {
    exchanges: number;
    first: number;
    last: number;
    types: Map<string, { exchanges: number; values: number }>;
    recipients: Map<string, { callers: Set<string>; exchanges: number }>;
  }
  const acc = new Map<string, Acc>();
  const until = period.until ?? Date.now();
  let n = 0;
  for (const row of sql.iterate(0)) {
    if (row.kind !== 'exchange' || row.server === null) continue;
    if ((period.since !== undefined && row.at < period.since) || row.at >= until) continue;
    let a = acc.get(row.server);
    if (!a) {
      a = { exchanges: 0, first: row.at, last: row.at, types: new Map(), recipients: new Map() };
      acc.set(row.server, a);
    }
    a.exchanges++;
    a.first = Math.min(a.first, row.at);
    a.last = Math.max(a.last, row.at);
    const body = JSON.parse(row.body) as {
      identity: { groups: string[]; method: string; subject: string } | null;
      findings: Record<string, number> | null;
      recording: { types?: Record<string, number> } | null;
      outcome: string;
    };
    const types = body.recording?.types ?? body.findings ?? {};
    for (const [type, count] of Object.entries(types)) {
      if (!(type in CATEGORY)) continue;
      const t = a.types.get(type) ?? { exchanges: 0, values: 0 };
      t.exchanges++;
      t.values += count;
      a.types.set(type, t);
    }
    // Only answered calls disclosed data to their caller.
    if (body.outcome === 'ok' && body.identity) {
      const labels =
        body.identity.groups.length > 0
          ? body.identity.groups.map((g) => `group ${g}`)
          : [`${body.identity.method} identities`];
      for (const label of labels) {
        const r = a.recipients.get(label) ?? { callers: new Set<string>(), exchanges: 0 };
        r.callers.add(body.identity.subject);
        r.exchanges++;
        a.recipients.set(label, r);
      }
    }
    if (++n % 10_000 === 0) onProgress?.(n);
  }
  const activities: Art30Activity[] = Object.entries(config.servers).map(([server, s]) => {
    const a = acc.get(server);
    return {
      server,
      description: s.description ?? null,
      purposes: s.audit.purposes,
      legalBasis: s.audit.legalBasis ?? null,
      dataSubjects: s.audit.dataSubjects,
      declaredRecipients: s.audit.recipients,
      transfers: s.audit.transfers,
      retention: {
        masked: days(s.audit.retention.masked),
        raw: s.audit.retainRaw ? days(s.audit.retention.raw) : 'not kept',
        rawKept: s.audit.retainRaw,
      },
      observed: {
        exchanges: a?.exchanges ?? 0,
        firstSeen: a ? new Date(a.first).toISOString() : null,
        lastSeen: a ? new Date(a.last).toISOString() : null,
        categories: [...(a?.types ?? new Map())]
          .map(([type, t]) => ({ type, category: CATEGORY[type] as string, ...t }))
          .sort((x, y) => y.exchanges - x.exchanges),
        recipients: [...(a?.recipients ?? new Map())]
          .map(([recipient, r]) => ({ recipient, callers: r.callers.size, exchanges: r.exchanges }))
          .sort((x, y) => y.exchanges - x.exchanges),
      },
      measures: measuresFor(config, server),
    };
  });
  return {
    generatedAt: new Date().toISOString(),
    period: {
      from: period.since === undefined ? null : new Date(period.since).toISOString(),
      to: new Date(until).toISOString(),
    },
    controller: config.audit.controller ?? null,
    activities,
  };
}

/** Art. 30(1)(g) / Art. 32: the technical measures this gateway applies to the server's traffic. */
function measuresFor(config: Readonly<Config>, server: string): string[] {
  const s = config.servers[server];
  const out: string[] = [];
  if (config.auth.mode === 'tokens')
    out.push(
      `Every caller authenticated (${['gateway tokens', ...config.auth.issuers.map((i) => `${i.kind} issuer ${i.name}`)].join(', ')}); revocation takes effect at once`,
    );
  else out.push('No caller authentication (auth.mode: none)');
  if (config.policy) out.push('Least-privilege policy per identity, tool and arguments; default deny');
  if (s?.masking)
    out.push(`Personal data masked in answers (profile ${s.masking.profile}) before they leave the gateway`);
  out.push(
    'Every exchange recorded, masked, in a hash-chained Merkle-tree audit trail with signed checkpoints',
  );
  if (s?.audit.retainRaw)
    out.push(
      'Unmasked copies encrypted (AES-256-GCM) under per-data-subject keys; erasure destroys the keys',
    );
  if (s?.credentials) out.push('Upstream credentials held by the gateway, never given to callers');
  return out;
}

export function renderArt30Markdown(r: Art30Record): string {
  const lines: string[] = ['# Record of processing activities (GDPR Art. 30)', ''];
  lines.push(
    `Generated ${r.generatedAt} by Custos from its configuration and the audit trail (${r.period.from ?? 'the beginning'} – ${r.period.to}).`,
    '',
  );
  const c = r.controller;
  lines.push('## Controller (Art. 30(1)(a))', '');
  lines.push(
    c
      ? `- Name: ${c.name}${c.contact ? `\n- Contact: ${c.contact}` : ''}${c.representative ? `\n- Representative: ${c.representative}` : ''}${c.dpo ? `\n- Data protection officer: ${c.dpo}` : ''}`
      : '- Not declared (set `audit.controller` in the configuration)',
    '',
  );
  for (const a of r.activities) {
    lines.push(`## Processing through MCP server \`${a.server}\``, '');
    if (a.description) lines.push(a.description, '');
    lines.push(`- Purposes (b): ${a.purposes.length ? a.purposes.join('; ') : 'not declared'}`);
    lines.push(`- Legal basis: ${a.legalBasis ?? 'not declared'}`);
    lines.push(
      `- Categories of data subjects (c): ${a.dataSubjects.length ? a.dataSubjects.join('; ') : 'not declared'}`,
    );
    lines.push(
      `- Categories of personal data (c), as observed: ${a.observed.categories.length ? '' : 'none seen'}`,
    );
    for (const k of a.observed.categories)
      lines.push(`  - ${k.category}: in ${k.exchanges} exchanges (${k.values} values)`);
    lines.push(
      `- Recipients (d), declared: ${a.declaredRecipients.length ? a.declaredRecipients.join('; ') : 'none declared'}`,
    );
    lines.push(`- Recipients (d), observed: ${a.observed.recipients.length ? '' : 'none'}`);
    for (const k of a.observed.recipients)
      lines.push(`  - ${k.recipient}: ${k.callers} callers, ${k.exchanges} answered calls`);
    lines.push(
      `- Transfers to third countries (e): ${a.transfers.length ? a.transfers.map((t) => `${t.country} (${t.safeguard})`).join('; ') : 'none declared'}`,
    );
    lines.push(
      `- Time limits for erasure (f): masked recordings ${a.retention.masked}; raw copies ${a.retention.raw}`,
    );
    lines.push('- Technical and organisational measures (g):');
    for (const m of a.measures) lines.push(`  - ${m}`);
    lines.push(
      `- Traffic: ${a.observed.exchanges} exchanges${a.observed.firstSeen ? `, ${a.observed.firstSeen} – ${a.observed.lastSeen}` : ''}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderArt30Html(r: Art30Record): string {
  const c = r.controller;
  const parts: string[] = [
    `<h1>Record of processing activities (GDPR Art. 30)</h1>`,
    `<p class="muted">Generated ${escapeHtml(r.generatedAt)} from the configuration and the audit trail (${escapeHtml(r.period.from ?? 'the beginning')} – ${escapeHtml(r.period.to)}).</p>`,
    `<h2>Controller</h2>`,
    c
      ? table(
          ['Name', 'Contact', 'Representative', 'Data protection officer'],
          [
            [
              escapeHtml(c.name),
              escapeHtml(c.contact ?? ''),
              escapeHtml(c.representative ?? ''),
              escapeHtml(c.dpo ?? ''),
            ],
          ],
        )
      : '<p>Not declared (set <code>audit.controller</code>).</p>',
  ];
  for (const a of r.activities) {
    const list = (xs: readonly string[], none: string): string =>
      xs.length ? `<ul>${xs.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>` : escapeHtml(none);
    parts.push(`<h2>MCP server <code>${escapeHtml(a.server)}</code></h2>`);
    parts.push(
      table(
        ['Art. 30(1)', 'Declared', 'Observed'],
        [
          [
            '(b) Purposes',
            list(a.purposes, 'not declared') +
              (a.legalBasis ? `<p>Legal basis: ${escapeHtml(a.legalBasis)}</p>` : ''),
            '',
          ],
          ['(c) Data subjects', list(a.dataSubjects, 'not declared'), ''],
          [
            '(c) Personal data',
            '',
            list(
              a.observed.categories.map((k) => `${k.category}: ${k.exchanges} exchanges, ${k.values} values`),
              'none seen',
            ),
          ],
          [
            '(d) Recipients',
            list(a.declaredRecipients, 'none declared'),
            list(
              a.observed.recipients.map(
                (k) => `${k.recipient}: ${k.callers} callers, ${k.exchanges} answered calls`,
              ),
              'none',
            ),
          ],
          [
            '(e) Transfers',
            list(
              a.transfers.map((t) => `${t.country} (${t.safeguard})`),
              'none declared',
            ),
            '',
          ],
          [
            '(f) Erasure',
            escapeHtml(`masked recordings ${a.retention.masked}; raw copies ${a.retention.raw}`),
            '',
          ],
          ['(g) Measures', list(a.measures, ''), ''],
          [
            'Traffic',
            '',
            escapeHtml(
              `${a.observed.exchanges} exchanges${a.observed.firstSeen ? `, ${a.observed.firstSeen} – ${a.observed.lastSeen}` : ''}`,
            ),
          ],
        ],
      ),
    );
  }
  return page('Record of processing activities', parts.join('\n'));
}

import type { DsarBundle } from './dsar.ts';

// Human-readable pages: the data-subject access report and the record of processing. One small,
// self-contained HTML file each (no script, no remote asset), every value escaped.

export function escapeHtml(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1b1b}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em}table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}
pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:.5em;margin:0;font-size:12px}
.muted{color:#666}details{margin:.2em 0}`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/** The data-subject access report: what was done with the subject's data, and how to check it. */
export function renderDsarHtml(bundle: DsarBundle): string {
  const rows = bundle.exchanges.map((x) => {
    const e = JSON.parse(x.event) as Record<string, unknown>;
    const identity = e.identity as { groups?: string[] } | null;
    const answer = x.timeline
      .filter((t) => t.direction === 'response')
      .map((t) => (t.message ? JSON.stringify(t.message, null, 1) : (t.text ?? '')))
      .join('\n');
    const returned =
      x.recording === 'masked'
        ? `<details><summary>${escapeHtml(`${answer.length} characters`)}</summary><pre>${escapeHtml(answer)}</pre></details>`
        : `<span class="muted">recording ${escapeHtml(x.recording)}</span>`;
    return [
      escapeHtml(new Date(Number(e.at ?? 0)).toISOString()),
      escapeHtml(e.caller ?? e.actor) +
        (identity?.groups?.length
          ? `<br><span class="muted">${escapeHtml(identity.groups.join(', '))}</span>`
          : ''),
      escapeHtml(e.server),
      escapeHtml(`${e.method ?? e.action ?? ''}${e.name ? ` ${e.name}` : ''}`),
      escapeHtml(
        e.masking === 'masked' ? 'masked' : e.masking === 'exempt' ? 'shown unmasked (exempt role)' : 'n/a',
      ),
      escapeHtml(e.outcome ?? ''),
      returned,
      escapeHtml(x.seq),
    ];
  });
  const body = `<h1>Access report for a data subject</h1>
<p>Prepared ${escapeHtml(bundle.generatedAt)} from the audit trail of <code>${escapeHtml(bundle.log.origin)}</code>
for the data subject identified by <strong>${escapeHtml(bundle.subject)}</strong> (GDPR Art. 15).</p>
<p>${escapeHtml(bundle.exchanges.length)} recorded exchanges touched this data subject. Personal data in what
was returned is shown masked, as the trail keeps it.</p>
<h2>Exchanges</h2>
${table(['When (UTC)', 'Who', 'Server', 'What', 'Masking', 'Outcome', 'What came back', 'Log entry'], rows)}
<h2>How to check this report</h2>
<p>Every entry above is included in the log's Merkle tree (RFC 9162). The machine-readable bundle
(<code>dsar.json</code>) holds each entry exactly as logged, with an inclusion proof against this signed checkpoint
(C2SP tlog-checkpoint) of ${escapeHtml(bundle.treeSize)} entries:</p>
<pre>${escapeHtml(bundle.checkpoint)}</pre>
<p>Verifier key: <code>${escapeHtml(bundle.log.verifierKey)}</code>. Check with <code>custos dsar verify dsar.json --key '…'</code>.</p>`;
  return page('Data-subject access report', body);
}

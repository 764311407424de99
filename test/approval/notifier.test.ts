import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { notificationBody, postNotification, signWebhook } from '../../src/approval/index.ts';
import type { ApprovalRecord } from '../../src/store/index.ts';

const record: ApprovalRecord = {
  id: 'ap-0123456789abcdef',
  status: 'pending',
  requester: 'corp:u-alice',
  requesterUser: 'alice',
  server: 'crm',
  method: 'tools/call',
  name: 'export_customers',
  argsDigest: 'a'.repeat(64),
  preview: '{"country":"DE","email":"j***@example.com"}',
  justification: 'audit <ticket 7> & more',
  rule: 'export-needs-dpo',
  reason: 'Exporting customers needs a DPO',
  approvers: ['dpo'],
  quorum: 2,
  grantForSeconds: 1800,
  createdAt: Date.UTC(2026, 10, 25, 10),
  expiresAt: Date.UTC(2026, 10, 25, 10, 15),
  decidedAt: null,
  usableUntil: null,
  uses: 0,
  taskId: null,
  requestId: 'r-1',
};

test('the notification is Slack-compatible, links to the decision, and carries argument names only', () => {
  const body = notificationBody(record, 'https://console.example/approvals/ap-0123456789abcdef');
  const text = JSON.stringify(body);
  assert.equal(typeof body.text, 'string');
  assert.ok(Array.isArray(body.blocks));
  assert.match(String(body.text), /ap-0123456789abcdef.*corp:u-alice.*export_customers.*crm/);
  assert.ok(text.includes('https://console.example/approvals/ap-0123456789abcdef'));
  assert.ok(text.includes('`country`') && text.includes('`email`'));
  assert.ok(!text.includes('j***@example.com') && !text.includes('"DE"'), 'no values, not even masked ones');
  assert.ok(text.includes('audit &lt;ticket 7&gt; &amp; more'), 'mrkdwn escaped');
});

test('the signature is HMAC-SHA256 over timestamp.body (a known answer, computed elsewhere)', () => {
  assert.equal(
    signWebhook('fake-secret-0123456789', '1764064800', '{"text":"x"}'),
    'v1=0f3d3fd076e609f8dd5ea2f86294672e1f000f37be922c822c240f06862c642f',
  );
  assert.notEqual(signWebhook('s', '1', 'b'), signWebhook('s', '2', 'b'));
});

test('delivery retries a bounded number of times and never throws', async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const ok = await postNotification(
      { url, secret: 'x'.repeat(16), timeoutMs: 1000, retries: 2, backoffMs: 10 },
      '{}',
      'ap-x',
    );
    assert.equal(ok, false);
    assert.equal(hits, 3);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  // Nothing listens there any more: refused, retried, given up, no exception.
  const gone = await postNotification(
    { url, secret: 'x'.repeat(16), timeoutMs: 500, retries: 1, backoffMs: 10 },
    '{}',
    'ap-x',
  );
  assert.equal(gone, false);
});

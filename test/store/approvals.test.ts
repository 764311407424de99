import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createDecisionWatch } from '../../src/approval/watch.ts';
import { type NewApproval, openSqliteStore, type Store } from '../../src/store/index.ts';

// The approval state in SQLite: transitions are atomic and each appends its event through the one
// funnel; a decision committed by one process is seen by another sharing the file.

const dir = mkdtempSync(join(tmpdir(), 'custos-approvals-store-'));
const file = join(dir, 'custos.db');
const a: Store = openSqliteStore({ path: file });
const b: Store = openSqliteStore({ path: file });
after(async () => {
  await a.close();
  await b.close();
});

let n = 0;
function request(over: Partial<NewApproval> = {}): NewApproval {
  const now = Date.now();
  n++;
  return {
    id: `ap-test${n}`,
    requester: 'corp:u-alice',
    requesterUser: 'alice',
    server: 'crm',
    method: 'tools/call',
    name: 'export_customers',
    argsDigest: `${'0'.repeat(63)}${n % 10}`,
    preview: '{"limit":10}',
    justification: 'audit',
    rule: 'export-needs-dpo',
    reason: null,
    approvers: ['dpo'],
    quorum: 1,
    grantForSeconds: null,
    createdAt: now,
    expiresAt: now + 60_000,
    taskId: null,
    requestId: 'req-1',
    ...over,
  };
}
const vote = (
  approvalId: string,
  approver: string,
  v: 'grant' | 'deny' = 'grant',
  approverUser: string | null = null,
) => ({
  approvalId,
  approver,
  approverUser,
  vote: v,
  reason: null,
  at: Date.now(),
});

test('quorum: distinct approvers (by subject and by directory user) until granted; a one-call grant is used once', () => {
  const r = a.createApproval(request({ quorum: 2 }));
  assert.equal(r.status, 'pending');
  const key = {
    requester: r.requester,
    server: r.server,
    method: r.method,
    name: r.name,
    argsDigest: r.argsDigest,
  };
  assert.equal(a.findPendingApproval(key, Date.now())?.id, r.id);
  assert.equal(a.voteApproval(vote(r.id, 'corp:u-dan', 'grant', 'dan'), 2, null, 60).outcome, 'recorded');
  assert.equal(a.voteApproval(vote(r.id, 'corp:u-dan'), 2, null, 60).outcome, 'duplicate');
  assert.equal(a.voteApproval(vote(r.id, 'custos:dan', 'grant', 'dan'), 2, null, 60).outcome, 'duplicate');
  const done = a.voteApproval(vote(r.id, 'corp:u-erin'), 2, null, 60);
  assert.equal(done.outcome, 'granted');
  assert.equal(a.findUsableGrant(key, Date.now())?.id, r.id);
  assert.equal(a.useGrant(r.id, Date.now(), 'corp:u-alice'), true);
  assert.equal(a.useGrant(r.id, Date.now(), 'corp:u-alice'), false, 'one call only');
  assert.equal(a.findUsableGrant(key, Date.now()), undefined);
  assert.equal(a.findUsedGrant(key, Date.now())?.id, r.id);
  assert.equal(a.voteApproval(vote(r.id, 'corp:u-fay'), 2, null, 60).outcome, 'not-pending');
  const kinds = a
    .approvalEventsSince(0)
    .filter((e) => e.approvalId === r.id)
    .map((e) => `${e.kind}:${e.actor}`);
  assert.deepEqual(kinds, [
    'requested:corp:u-alice',
    'voted:corp:u-dan',
    'voted:corp:u-erin',
    'granted:corp:u-erin',
    'used:corp:u-alice',
  ]);
});

test('a window grant is used many times until its window closes; a deny ends a request; a deadline expires it', () => {
  const w = a.createApproval(request({ grantForSeconds: 1800 }));
  a.voteApproval(vote(w.id, 'corp:u-dan'), 1, 1800, 60);
  for (let i = 0; i < 3; i++) assert.equal(a.useGrant(w.id, Date.now(), 'corp:u-alice'), true);
  const after = a.getApproval(w.id);
  assert.equal(after?.status, 'granted');
  assert.equal(after?.uses, 3);
  assert.equal(a.useGrant(w.id, Date.now() + 1801_000, 'corp:u-alice'), false, 'past the window');
  const d = a.createApproval(request());
  assert.equal(a.voteApproval(vote(d.id, 'corp:u-dan', 'deny'), 1, null, 60).outcome, 'denied');
  assert.equal(a.getApproval(d.id)?.status, 'denied');
  const e = a.createApproval(request({ expiresAt: Date.now() - 1 }));
  assert.equal(a.voteApproval(vote(e.id, 'corp:u-dan'), 1, null, 60).outcome, 'not-pending');
  assert.equal(a.expireApproval(e.id, Date.now()), true);
  assert.equal(a.expireApproval(e.id, Date.now()), false);
  assert.equal(a.getApproval(e.id)?.status, 'expired');
});

test('a decision made through another connection to the file wakes a waiter within a poll', async () => {
  const r = a.createApproval(request());
  const watch = createDecisionWatch(a, 50);
  try {
    const w = watch.next(r.id, Date.now() + 5000);
    assert.equal(a.getApproval(r.id)?.status, 'pending');
    const t0 = Date.now();
    b.voteApproval(vote(r.id, 'corp:u-dan'), 1, null, 60);
    await w.changed;
    const took = Date.now() - t0;
    assert.ok(took < 1000, `woke after ${took} ms`);
    assert.equal(a.getApproval(r.id)?.status, 'granted');
  } finally {
    watch.close();
  }
});

test('tool pins: first sight pins, a different fingerprint flags, the old one clears it, accepting moves the pin', () => {
  const at = Date.now();
  const first = a.observeToolPin({
    server: 'crm',
    tool: 'export',
    fingerprint: 'sha256:aa',
    headers: null,
    at,
  });
  assert.equal(first.status, 'pinned');
  const changed = a.observeToolPin({
    server: 'crm',
    tool: 'export',
    fingerprint: 'sha256:bb',
    headers: null,
    at,
  });
  assert.equal(changed.status, 'changed');
  assert.ok(changed.rev > first.rev);
  assert.equal(
    a.observeToolPin({ server: 'crm', tool: 'export', fingerprint: 'sha256:aa', headers: null, at }).status,
    'pinned',
  );
  a.observeToolPin({ server: 'crm', tool: 'export', fingerprint: 'sha256:cc', headers: null, at });
  const accepted = b.acceptToolPin('crm', 'export', 'corp:u-ops', at);
  assert.equal(accepted?.pinned, 'sha256:cc');
  assert.equal(accepted?.status, 'pinned');
  assert.ok(a.toolPinsSince(changed.rev).some((p) => p.tool === 'export' && p.acceptedBy === 'corp:u-ops'));
  assert.equal(b.acceptToolPin('crm', 'nope', 'corp:u-ops', at), undefined);
});

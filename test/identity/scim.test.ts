import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRevocationView } from '../../src/identity/revocation.ts';
import { createScimHandler } from '../../src/identity/scim.ts';
import type { Identity } from '../../src/identity/types.ts';
import { openSqliteStore, type Store } from '../../src/store/index.ts';
import { eventually, serveHandler } from '../helpers/handler-server.ts';
import { fakeIdentity } from '../helpers/identity.ts';

const TOKEN = 'scim-secret-0123456789abcdef';
const SCIM_JSON = 'application/scim+json';

let server: { url: string; close(): Promise<void> };
let store: Store;
let other: Store; // a second handle on the same file: another gateway replica
let view: ReturnType<typeof createRevocationView>;
const deprovisioned: string[] = [];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-scim-'));
  const tokenFile = join(dir, 'scim-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  store = openSqliteStore({ path: join(dir, 'custos.db') });
  other = openSqliteStore({ path: join(dir, 'custos.db') });
  view = createRevocationView(other, { pollMs: 20 });
  server = await serveHandler(
    createScimHandler({ store, tokenFile, onDeprovision: (u) => deprovisioned.push(u) }),
  );
});

after(async () => {
  view.close();
  await server.close();
  await store.close();
  await other.close();
});

async function scim(
  method: string,
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<{
  status: number;
  type: string | null;
  json: Record<string, unknown>;
  headers: Headers;
}> {
  const res = await fetch(`${server.url}/scim/v2${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': SCIM_JSON } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

const person = (user: string): Identity => fakeIdentity({ subject: `corp:${user}-sub`, user });

async function create(userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Ignored' },
    emails: [{ value: `${userName}@example.com`, primary: true }],
    ...extra,
  });
  assert.equal(r.status, 201);
  return r.json.id as string;
}

test('a wrong or missing bearer token gets 401 in the SCIM error format', async () => {
  for (const token of ['wrong-token-0123456789abcdef', '']) {
    const r = await scim('GET', '/Users', undefined, token);
    assert.equal(r.status, 401);
    assert.equal(r.type, SCIM_JSON);
    assert.deepEqual(r.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(r.json.status, '401');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
  }
});

test('create, read, filter by userName (case-insensitive) and refuse a duplicate', async () => {
  const id = await create('Carol@Example.com', { externalId: 'ext-carol', displayName: 'Carol' });
  const got = await scim('GET', `/Users/${id}`);
  assert.equal(got.status, 200);
  assert.equal(got.type, SCIM_JSON);
  assert.equal(got.json.userName, 'Carol@Example.com');
  assert.equal(got.json.externalId, 'ext-carol');
  assert.equal(got.json.active, true);
  assert.equal(got.json.emails, undefined); // not kept
  assert.equal((got.json.meta as { location: string }).location, `${server.url}/scim/v2/Users/${id}`);

  const list = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "carol@example.com"')}`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  assert.equal(list.json.totalResults, 1);
  assert.equal((list.json.Resources as { id: string }[])[0]?.id, id);

  const none = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`);
  assert.equal(none.json.totalResults, 0);

  const dup = await scim('POST', '/Users', { userName: 'carol@example.com' });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.scimType, 'uniqueness');
});

test('PATCH active:false (path form) deprovisions; active:true (value form) lifts it', async () => {
  const id = await create('alice');
  assert.equal(view.isRevoked(person('alice')), false);

  const off = await scim('PATCH', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  assert.equal(off.status, 200);
  assert.equal(off.json.active, false);
  assert.deepEqual(deprovisioned, ['alice']);
  // Persisted, and seen by another replica polling the same database.
  await eventually(() => view.isRevoked(person('alice')), 1000, 'the deprovisioning');
  assert.equal(view.isRevoked(person('Alice')), true);

  const on = await scim('PATCH', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', value: { active: true } }],
  });
  assert.equal(on.status, 200);
  assert.equal(on.json.active, true);
  await eventually(() => !view.isRevoked(person('alice')), 1000, 'the reactivation');
});

test('the value form with a string boolean (as Entra sends it) deprovisions too', async () => {
  const id = await create('dave');
  const r = await scim('PATCH', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [
      { op: 'replace', path: 'name.familyName', value: 'ignored' },
      { op: 'Replace', path: 'active', value: 'False' },
    ],
  });
  assert.equal(r.status, 200);
  await eventually(() => view.isRevoked(person('dave')), 1000, 'the deprovisioning');
});

test('a PUT without active does not reactivate; DELETE deprovisions; re-creating lifts', async () => {
  const id = await create('erin', { active: false });
  await eventually(() => view.isRevoked(person('erin')), 1000, 'created inactive');
  const put = await scim('PUT', `/Users/${id}`, { userName: 'erin', displayName: 'Erin E.' });
  assert.equal(put.status, 200);
  assert.equal(put.json.active, false);
  assert.equal(put.json.displayName, 'Erin E.');

  const put2 = await scim('PUT', `/Users/${id}`, { userName: 'erin', active: true });
  assert.equal(put2.json.active, true);
  await eventually(() => !view.isRevoked(person('erin')), 1000, 'reactivated');

  const del = await scim('DELETE', `/Users/${id}`);
  assert.equal(del.status, 204);
  assert.ok(deprovisioned.includes('erin'));
  await eventually(() => view.isRevoked(person('erin')), 1000, 'deleted');
  assert.equal((await scim('GET', `/Users/${id}`)).status, 404);

  await create('erin');
  await eventually(() => !view.isRevoked(person('erin')), 1000, 're-created');
});

test('bad requests get SCIM errors: filter, syntax, media type, size, method', async () => {
  const filter = await scim('GET', `/Users?filter=${encodeURIComponent('emails co "x"')}`);
  assert.equal(filter.status, 400);
  assert.equal(filter.json.scimType, 'invalidFilter');

  const syntax = await scim('POST', '/Users', '{not json');
  assert.equal(syntax.status, 400);
  assert.equal(syntax.json.scimType, 'invalidSyntax');

  const noName = await scim('POST', '/Users', { displayName: 'x' });
  assert.equal(noName.status, 400);
  assert.equal(noName.json.scimType, 'invalidValue');

  const id = await create('frank');
  const badOp = await scim('PATCH', `/Users/${id}`, { Operations: [{ op: 'move', path: 'active' }] });
  assert.equal(badOp.status, 400);

  const big = await scim('POST', '/Users', { userName: 'x', displayName: 'y'.repeat(70 * 1024) });
  assert.equal(big.status, 413);
  assert.equal(big.type, SCIM_JSON);

  const text = await fetch(`${server.url}/scim/v2/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
    body: 'userName=x',
  });
  assert.equal(text.status, 415);

  const method = await scim('DELETE', '/Users');
  assert.equal(method.status, 405);
  assert.equal((await scim('GET', '/Users/no-such-id')).status, 404);
});

test('paging follows startIndex and count', async () => {
  const r = await scim('GET', '/Users?startIndex=2&count=1');
  assert.equal(r.json.startIndex, 2);
  assert.equal(r.json.itemsPerPage, 1);
  assert.ok((r.json.totalResults as number) >= 2);
});

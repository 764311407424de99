import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../src/core/errors.ts';
import { createCredentialSource, fingerprintSync } from '../../src/credentials/index.ts';

const INJECT = { header: 'authorization', prefix: 'Bearer ' } as const;

test('env: read once at start; later changes to the environment do not apply', () => {
  process.env.CUSTOS_TEST_UPSTREAM_KEY = 'env-secret-value';
  const src = createCredentialSource('crm', { ...INJECT, env: 'CUSTOS_TEST_UPSTREAM_KEY' });
  try {
    process.env.CUSTOS_TEST_UPSTREAM_KEY = 'changed-afterwards';
    assert.equal(src.get({}), 'env-secret-value');
    const st = src.status();
    assert.deepEqual(
      { ...st, updatedAt: typeof st.updatedAt },
      {
        server: 'crm',
        source: 'env',
        version: `env:${fingerprintSync('env-secret-value')}`,
        updatedAt: 'number',
        ok: true,
      },
    );
  } finally {
    src.close();
    delete process.env.CUSTOS_TEST_UPSTREAM_KEY;
  }
});

test('env: unset or empty is ok:false and a typed 502 error naming the variable only in the log cause', () => {
  process.env.CUSTOS_TEST_EMPTY = '';
  for (const name of ['CUSTOS_TEST_UNSET_VARIABLE', 'CUSTOS_TEST_EMPTY']) {
    const src = createCredentialSource('crm', { ...INJECT, env: name });
    const st = src.status();
    assert.equal(st.ok, false);
    assert.equal(st.version, 'none');
    assert.equal(st.updatedAt, null);
    assert.equal(st.error, `environment variable ${name} is not set`);
    assert.throws(
      () => src.get({}),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.code === 'CUSTOS_UPSTREAM_CREDENTIAL' &&
        !err.message.includes(name) &&
        (err.cause as Error).message.includes(name),
    );
  }
  delete process.env.CUSTOS_TEST_EMPTY;
});

test('the fingerprint is stable across runs (a fixed vector) and differs per secret', () => {
  // Pinned: operators compare fingerprints across runs, replicas and releases.
  assert.equal(fingerprintSync('fake-secret-DO-NOT-USE-1234'), 'e3bc3d12');
  assert.equal(
    fingerprintSync('fake-secret-DO-NOT-USE-1234'),
    fingerprintSync('fake-secret-DO-NOT-USE-1234'),
  );
  assert.notEqual(
    fingerprintSync('fake-secret-DO-NOT-USE-1234'),
    fingerprintSync('fake-secret-DO-NOT-USE-1235'),
  );
});

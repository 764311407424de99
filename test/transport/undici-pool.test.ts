import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as undici from 'undici';
import { Pool, undiciErrors } from '../../src/transport/undici-pool.ts';

test("the data path's Pool and error classes are undici's own", () => {
  assert.equal(Pool, undici.Pool);
  assert.equal(undiciErrors, undici.errors);
  assert.equal(undiciErrors.HeadersTimeoutError, undici.errors.HeadersTimeoutError);
});

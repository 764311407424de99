import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkParamHeaders, decodeParamValue, paramHeadersOf } from '../../src/policy/mcp-param.ts';

// MCP 2026-07-28 streamable-http "Custom Headers from Tool Parameters".

test('x-mcp-header annotations: statically reachable primitive properties with token names, unique ignoring case', () => {
  const map = paramHeadersOf({
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      limit: { type: 'integer', 'x-mcp-header': 'Limit' },
      flag: { type: ['boolean', 'null'], 'x-mcp-header': 'Flag' },
      score: { type: 'number', 'x-mcp-header': 'Score' }, // number is not permitted
      data: { type: 'object', 'x-mcp-header': 'Data' }, // not a primitive
      spaced: { type: 'string', 'x-mcp-header': 'My Region' }, // not a token
      empty: { type: 'string', 'x-mcp-header': '' },
      a: { type: 'string', 'x-mcp-header': 'Dup' },
      b: { type: 'string', 'x-mcp-header': 'dup' },
      nested: { type: 'object', properties: { zone: { type: 'string', 'x-mcp-header': 'Zone' } } },
      list: {
        type: 'array',
        items: { type: 'object', properties: { x: { type: 'string', 'x-mcp-header': 'X' } } },
      },
    },
  });
  assert.deepEqual(map && { ...map }, {
    region: { path: ['region'], type: 'string' },
    limit: { path: ['limit'], type: 'integer' },
    flag: { path: ['flag'], type: 'boolean' },
    zone: { path: ['nested', 'zone'], type: 'string' },
  });
  assert.equal(paramHeadersOf({ type: 'object', properties: { q: { type: 'string' } } }), null);
  assert.equal(paramHeadersOf(undefined), null);
});

test('header values: plain visible ASCII, or strict =?base64?…?=', () => {
  assert.equal(decodeParamValue('us-west1'), 'us-west1');
  assert.equal(decodeParamValue('=?base64?SGVsbG8sIOS4lueVjA==?='), 'Hello, 世界');
  assert.equal(decodeParamValue('=?base64?SGVsbG8?='), undefined, 'padding');
  assert.equal(decodeParamValue('=?base64?SGVs!!!bG8=?='), undefined, 'alphabet');
  assert.equal(decodeParamValue('=?base64?SGVsbG8='), '=?base64?SGVsbG8=', 'no suffix: a literal');
  assert.equal(decodeParamValue('caf\u00e9'), undefined, 'non-ASCII must be encoded');
});

test('headers must agree with the body, both ways', () => {
  const map = paramHeadersOf({
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      limit: { type: 'integer', 'x-mcp-header': 'Limit' },
      verbose: { type: 'boolean', 'x-mcp-header': 'Verbose' },
    },
  });
  const ok = (h: Record<string, string>, args: Record<string, unknown>, strict = true) =>
    checkParamHeaders(h, args, map, strict);
  assert.equal(
    ok({ 'mcp-param-region': 'eu', 'mcp-param-limit': '42.0' }, { region: 'eu', limit: 42 }),
    undefined,
  );
  assert.equal(ok({ 'mcp-param-verbose': 'false' }, { verbose: false }), undefined);
  assert.equal(ok({}, { verbose: null }), undefined, 'null: no header expected');
  assert.match(String(ok({ 'mcp-param-region': 'us' }, { region: 'eu' })), /does not match/);
  assert.match(String(ok({ 'mcp-param-region': 'us' }, {})), /not in the body/);
  assert.match(String(ok({}, { region: 'eu' })), /missing/);
  assert.equal(ok({}, { region: 'eu' }, false), undefined, 'legacy clients send no mirrors');
  assert.match(String(ok({ 'mcp-param-limit': '4x' }, { limit: 4 })), /does not match/);
  assert.match(String(ok({ 'mcp-param-verbose': 'True' }, { verbose: true })), /does not match/);
  assert.match(String(ok({ 'mcp-param-other': 'x' }, {})), /designates no such parameter/);
  assert.match(
    String(checkParamHeaders({ 'mcp-param-region': 'eu' }, { region: 'eu' }, undefined, true)),
    /not seen/,
  );
  assert.equal(checkParamHeaders({}, { region: 'eu' }, undefined, true), undefined);
});

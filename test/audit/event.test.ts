import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionFacts, type ExchangeFacts, eventBody, type PayloadFacts } from '../../src/audit/event.ts';

// An event's body is the text the chain hashes: every byte of it is fixed, for events written
// today and for a verifier reading them in ten years. These are bodies as written by the build
// that set the format (v 1); any change to their bytes fails here.

const exchange: ExchangeFacts = {
  kind: 'exchange',
  id: 'ex-0001',
  receivedAt: 1796280000000,
  forwardedAt: 1796280000000.25,
  answeredAt: 1796280000004.5,
  endedAt: 1796280000004.75,
  server: 'crm',
  era: 'legacy',
  protocolVersion: '2025-11-25',
  sessionId: 'sess-1',
  caller: 'demo:u-alice-0001',
  identity: {
    subject: 'demo:u-alice-0001',
    method: 'oidc',
    issuer: 'demo',
    user: 'alice',
    groups: ['support'],
    tokenId: null,
  },
  client: { name: 'test-client', version: '1', userAgent: 'ua "quoted" \u2028' },
  method: 'tools/call',
  name: 'get_customer',
  calls: null,
  httpStatus: 200,
  outcome: 'ok',
  errorCode: null,
  durationUs: 4750,
  upstreamUs: 4250,
  bytesIn: 100,
  bytesOut: 200,
  findings: { EMAIL: 1 },
  masking: 'masked',
  policyRule: 'support-read',
  policyEffect: 'allow',
  approvalId: null,
};
const payload: PayloadFacts = {
  masked: { sha256: 'ab'.repeat(32), bytes: 57 },
  raw: null,
  truncated: false,
  subjects: 1,
  types: { EMAIL: 1 },
};
const erasure: ActionFacts = {
  kind: 'erasure',
  id: 'er-1',
  at: 1796280000100,
  actor: 'local:dpo',
  server: null,
  target: null,
  action: 'erase',
  reason: 'Art. 17 request',
  details: { subjects: 1, keys: ['k'] },
};

test('an exchange with its recording: the body, byte for byte', () => {
  assert.equal(
    eventBody(7, exchange, payload),
    '{"v":1,"seq":7,"kind":"exchange","id":"ex-0001","at":1796280000000,"forwardedAt":1796280000000.25,"answeredAt":1796280000004.5,"endedAt":1796280000004.75,"server":"crm","era":"legacy","protocolVersion":"2025-11-25","sessionId":"sess-1","caller":"demo:u-alice-0001","identity":{"subject":"demo:u-alice-0001","method":"oidc","issuer":"demo","user":"alice","groups":["support"],"tokenId":null},"client":{"name":"test-client","version":"1","userAgent":"ua \\"quoted\\" \u2028"},"method":"tools/call","name":"get_customer","calls":null,"httpStatus":200,"outcome":"ok","errorCode":null,"durationUs":4750,"upstreamUs":4250,"bytesIn":100,"bytesOut":200,"findings":{"EMAIL":1},"masking":"masked","policyRule":"support-read","policyEffect":"allow","approvalId":null,"recording":{"masked":{"sha256":"abababababababababababababababababababababababababababababababab","bytes":57},"raw":null,"truncated":false,"subjects":1,"types":{"EMAIL":1}}}',
  );
});

test('an exchange without a recording, and an action: the bodies, byte for byte', () => {
  assert.equal(
    eventBody(8, exchange, null),
    '{"v":1,"seq":8,"kind":"exchange","id":"ex-0001","at":1796280000000,"forwardedAt":1796280000000.25,"answeredAt":1796280000004.5,"endedAt":1796280000004.75,"server":"crm","era":"legacy","protocolVersion":"2025-11-25","sessionId":"sess-1","caller":"demo:u-alice-0001","identity":{"subject":"demo:u-alice-0001","method":"oidc","issuer":"demo","user":"alice","groups":["support"],"tokenId":null},"client":{"name":"test-client","version":"1","userAgent":"ua \\"quoted\\" \u2028"},"method":"tools/call","name":"get_customer","calls":null,"httpStatus":200,"outcome":"ok","errorCode":null,"durationUs":4750,"upstreamUs":4250,"bytesIn":100,"bytesOut":200,"findings":{"EMAIL":1},"masking":"masked","policyRule":"support-read","policyEffect":"allow","approvalId":null,"recording":null}',
  );
  assert.equal(
    eventBody(9, erasure, null),
    '{"v":1,"seq":9,"kind":"erasure","id":"er-1","at":1796280000100,"actor":"local:dpo","server":null,"target":null,"action":"erase","reason":"Art. 17 request","details":{"subjects":1,"keys":["k"]}}',
  );
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { maskAnswer, maskRequest } from '../../src/audit/mask-recording.ts';
import {
  chainNext,
  hashChildren,
  hashLeaf,
  hashLeafText,
  sha256,
  sha256Hex,
} from '../../src/audit/merkle.ts';
import { decodeRecording, encodeRecording, type Recording } from '../../src/audit/recording.ts';
import { compileProfile } from '../../src/masking/compile.ts';
import { profileSchema } from '../../src/masking/config.ts';

// The pieces of a recording and of the chain that are built without intermediate Buffers: each is
// checked against the plain construction it replaces.

const profile = compileProfile(profileSchema.parse({}), { hmacKey: Buffer.alloc(32, 3) });

test('hashLeafText(s) is the RFC 9162 leaf hash of the UTF-8 bytes of s, lone surrogates included', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (s) => {
      assert.deepEqual(hashLeafText(s), hashLeaf(Buffer.from(s, 'utf8')));
    }),
  );
  const expected = createHash('sha256').update(Buffer.of(0)).update('{"seq":1}').digest();
  assert.deepEqual(hashLeafText('{"seq":1}'), expected);
});

test('chainNext is SHA-256 of the previous link and the leaf hash, and refuses other sizes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (a, b) => {
        assert.deepEqual(chainNext(a, b), sha256(Buffer.concat([a, b])));
      },
    ),
  );
  assert.throws(() => chainNext(Buffer.alloc(31), Buffer.alloc(32)), RangeError);
  assert.throws(() => chainNext(Buffer.alloc(32), Buffer.alloc(33)), RangeError);
});

test('the digests, copied out of a Latin-1 string, are the bytes createHash gives', () => {
  const plain = (...parts: Uint8Array[]): Buffer => {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (data, left, right) => {
        assert.deepEqual(sha256(data), plain(data));
        assert.equal(sha256Hex(data), plain(data).toString('hex'));
        assert.deepEqual(hashLeaf(data), plain(Buffer.of(0), data));
        assert.deepEqual(hashChildren(left, right), plain(Buffer.of(1), left, right));
      },
    ),
  );
});

const bytes = fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u));
const recordings: fc.Arbitrary<Recording> = fc.record({
  request: fc.record({
    headers: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
    ),
    body: fc.option(bytes, { nil: null }),
  }),
  response: fc.record({
    status: fc.integer({ min: 100, max: 599 }),
    contentType: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
    frames: fc.array(fc.record({ t: fc.nat(), data: bytes }), { maxLength: 6 }),
  }),
  truncated: fc.boolean(),
});

test('a recording decodes to what was encoded, byte for byte', () => {
  fc.assert(
    fc.property(recordings, (rec) => {
      const back = decodeRecording(encodeRecording(rec));
      assert.deepEqual(back.request.headers, { ...rec.request.headers });
      assert.deepEqual(back.request.body, rec.request.body);
      assert.equal(back.response.status, rec.response.status);
      assert.equal(back.response.contentType, rec.response.contentType);
      assert.deepEqual(
        back.response.frames,
        rec.response.frames.map((f) => ({ t: f.t, data: f.data })),
      );
      assert.equal(back.truncated, rec.truncated);
    }),
  );
});

const call = (args: string) =>
  `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":${args}}}`;

test('a request with nothing to mask is kept as the very bytes that came', () => {
  const body = Buffer.from(call('{"message":"grüße"}'));
  const r = maskRequest({}, body, profile);
  assert.equal(r.findings.length, 0);
  assert.equal(r.body, body);
});

test('a request with personal data is kept masked, never as it came', () => {
  const body = Buffer.from(call('{"email":"jane.roe@example.com"}'));
  const r = maskRequest({}, body, profile);
  assert.ok(r.findings.length > 0);
  assert.notEqual(r.body, body);
  assert.doesNotMatch((r.body as Buffer).toString('utf8'), /jane\.roe/);
});

test('bytes that are not UTF-8 are kept as the text that was masked (U+FFFD), not as they came', () => {
  const body = Buffer.concat([
    Buffer.from(call('{"message":"a$').split('$')[0] as string),
    Buffer.of(0xc0, 0x80),
    Buffer.from('"}}}'),
  ]);
  const r = maskRequest({}, body, profile);
  assert.notEqual(r.body, body);
  assert.equal((r.body as Buffer).toString('utf8'), body.toString('utf8'));
  assert.ok((r.body as Buffer).includes(Buffer.from('\uFFFD')));
  assert.ok(!(r.body as Buffer).includes(Buffer.of(0xc0, 0x80)));

  const answer = [
    {
      t: 5,
      data: Buffer.concat([
        Buffer.from('{"jsonrpc":"2.0","id":7,"result":{"x":"'),
        Buffer.of(0xff),
        Buffer.from('"}}'),
      ]),
    },
  ];
  const a = maskAnswer('application/json', answer, profile);
  assert.notEqual(a.frames[0]?.data, answer[0]?.data);
  assert.ok(a.frames[0]?.data.includes(Buffer.from('\uFFFD')));
});

test('an answer with nothing to mask is kept as it came, one frame or several', () => {
  const one = [{ t: 9, data: Buffer.from('{"jsonrpc":"2.0","id":7,"result":{"content":[]}}') }];
  const a = maskAnswer('application/json', one, profile);
  assert.equal(a.frames[0]?.data, one[0]?.data);
  assert.equal(a.frames[0]?.t, 9);
  const text = '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hi"}]}}';
  const split = [
    { t: 3, data: Buffer.from(text.slice(0, 20)) },
    { t: 8, data: Buffer.from(text.slice(20)) },
  ];
  const b = maskAnswer('application/json', split, profile);
  assert.equal(b.frames.length, 1);
  assert.equal(b.frames[0]?.t, 8);
  assert.equal(b.frames[0]?.data.toString('utf8'), text);
  const masked = maskAnswer(
    'application/json',
    [{ t: 1, data: Buffer.from('{"jsonrpc":"2.0","id":7,"result":{"email":"jane.roe@example.com"}}') }],
    profile,
  );
  assert.doesNotMatch(masked.frames[0]?.data.toString('utf8') ?? '', /jane\.roe/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SseRewriter } from '../../src/transport/sse.ts';

test('events are rewritten one by one, ids and event names kept, comments passed', () => {
  const r = new SseRewriter((d) => d.toUpperCase());
  const out = r.push(
    ': keep-alive\n\nid: s1-1\nevent: message\ndata: {"a":1}\n\nid: s1-2\ndata: x\ndata: y\n\n',
  );
  assert.equal(
    out,
    ': keep-alive\nevent: message\nid: s1-1\ndata: {"A":1}\n\nid: s1-2\ndata: X\ndata: Y\n\n',
  );
});

test('an event split across chunks anywhere is rewritten once, when complete', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), (cuts) => {
      const text = 'id: 1\ndata: {"n":"alpha"}\n\nid: 2\r\ndata: {"n":"beta"}\r\n\r\n';
      const points = [...new Set(cuts.map((c) => c % text.length))].sort((a, b) => a - b);
      const seen: string[] = [];
      const r = new SseRewriter((d) => {
        seen.push(d);
        return d;
      });
      let last = 0;
      let out = '';
      for (const p of [...points, text.length]) {
        out += r.push(text.slice(last, p));
        last = p;
      }
      assert.deepEqual(seen, ['{"n":"alpha"}', '{"n":"beta"}']);
      assert.equal(out, 'id: 1\ndata: {"n":"alpha"}\n\nid: 2\ndata: {"n":"beta"}\n\n');
    }),
  );
});

test('a transform returning undefined drops the event; a priming event passes', () => {
  const r = new SseRewriter(() => undefined);
  assert.equal(r.push('id: p-0\ndata:\n\n'), '');
  const p = new SseRewriter((d) => d);
  assert.equal(p.push('id: p-0\nretry: 1000\n\n'), 'id: p-0\nretry: 1000\ndata: \n\n');
});

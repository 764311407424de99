import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callPhases, parsePerfLine, parseProcNetTcp, type SyscallEvent } from '../../bench/syscall-phases.ts';

// bench/phases.ts reads `perf script -F tid,time,event,trace` and says how long a hop held each
// call at one session: from a read that got bytes to the next write to the other side.

test('perf script lines: entries with their fd, exits with their return value, others skipped', () => {
  assert.deepEqual(
    parsePerfLine(
      '    4242 15710.147923: syscalls:sys_enter_read: fd: 0x00000015, buf: 0x7f00a0001000, count: 0x00010000',
    ),
    { t: 15710147923, tid: 4242, phase: 'enter', call: 'read', fd: 21 },
  );
  assert.deepEqual(parsePerfLine('4242 15710.148000:  syscalls:sys_exit_read: 0x11e'), {
    t: 15710148000,
    tid: 4242,
    phase: 'exit',
    call: 'read',
    ret: 286,
  });
  // perf prints a negative return unsigned: -11 (EAGAIN).
  assert.equal(parsePerfLine('4242 15710.148001: syscalls:sys_exit_read: 0xfffffffffffffff5')?.ret, -11);
  assert.equal(
    parsePerfLine(
      '4242 15710.148002: syscalls:sys_enter_writev: fd: 0x00000012, vec: 0x7ffd, vlen: 0x00000002',
    )?.fd,
    18,
  );
  assert.equal(
    parsePerfLine('4242 15710.148003: syscalls:sys_enter_epoll_pwait: epfd: 0x0000000e'),
    undefined,
  );
  assert.equal(parsePerfLine(''), undefined);
  assert.equal(parsePerfLine('# ========'), undefined);
});

/** Events of thread 1 from [µs, phase, call, fd or return value]. */
function events(list: readonly [number, 'enter' | 'exit', SyscallEvent['call'], number][]): SyscallEvent[] {
  return list.map(([t, phase, call, v]) =>
    phase === 'enter' ? { t, tid: 1, phase, call, fd: v } : { t, tid: 1, phase, call, ret: v },
  );
}

test('one call: the request and the answer held, the writes and the sync timed', () => {
  const CLIENT = 18;
  const UP = 21;
  const e = events([
    [0, 'enter', 'read', CLIENT],
    [1, 'exit', 'read', -11], // nothing there yet (EAGAIN): not a start
    [1, 'enter', 'read', CLIENT],
    [2, 'exit', 'read', 362], // the request: from here
    [90, 'enter', 'writev', UP], // ...to here: 88
    [120, 'exit', 'writev', 332], // 30
    [700, 'enter', 'read', UP],
    [705, 'exit', 'read', 286], // the answer: from here
    [750, 'enter', 'fsync', 7],
    [1000, 'exit', 'fsync', 0], // 250
    [1100, 'enter', 'writev', CLIENT], // ...to here: 395
    [1120, 'exit', 'writev', 290], // 20
  ]);
  const p = callPhases(e, 1, new Set([CLIENT]), new Set([UP]));
  assert.deepEqual(p.request, { n: 1, p10: 88, p50: 88, p90: 88 });
  assert.deepEqual(p.answer, { n: 1, p10: 395, p50: 395, p90: 395 });
  assert.deepEqual(p.writeUpstream, { n: 1, p10: 30, p50: 30, p90: 30 });
  assert.deepEqual(p.writeClient, { n: 1, p10: 20, p50: 20, p90: 20 });
  assert.deepEqual(p.fsync, { n: 1, p10: 250, p50: 250, p90: 250 });
});

test('an answer read in pieces is held from its first piece; other threads and sockets do not count', () => {
  // A thread of the pool writing to the client's fd meanwhile is not the event loop.
  const other: SyscallEvent[] = [
    { t: 15, tid: 2, phase: 'enter', call: 'write', fd: 18 },
    { t: 16, tid: 2, phase: 'exit', call: 'write', ret: 10 },
  ];
  const e = [
    ...events([
      [0, 'enter', 'read', 5],
      [1, 'exit', 'read', 100], // a socket that is neither side
      [10, 'enter', 'read', 21],
      [12, 'exit', 'read', 65536], // the answer starts
      [20, 'enter', 'read', 21],
      [22, 'exit', 'read', 9000], // more of it
      [50, 'enter', 'writev', 18], // 38 from its first piece
      [60, 'exit', 'writev', 74536],
    ]),
    ...other,
  ].sort((a, b) => a.t - b.t);
  const p = callPhases(e, 1, new Set([18]), new Set([21]));
  assert.deepEqual(p.answer, { n: 1, p10: 38, p50: 38, p90: 38 });
  assert.equal(p.request, null);
  assert.deepEqual(p.writeClient, { n: 1, p10: 10, p50: 10, p90: 10 });
  assert.equal(p.fsync, null);
});

test('percentiles over many calls are nearest-rank', () => {
  const list: [number, 'enter' | 'exit', SyscallEvent['call'], number][] = [];
  // Ten calls whose requests are held 10, 20, ... 100 µs.
  for (let i = 1; i <= 10; i++) {
    const t = i * 1000;
    list.push([t, 'enter', 'read', 18], [t + 1, 'exit', 'read', 300], [t + 1 + 10 * i, 'enter', 'write', 21]);
    list.push([t + 2 + 10 * i, 'exit', 'write', 300]);
  }
  const p = callPhases(events(list), 1, new Set([18]), new Set([21]));
  assert.deepEqual(p.request, { n: 10, p10: 10, p50: 50, p90: 90 });
});

test('/proc/net/tcp lines: the socket inode and both ports; the header is not a socket', () => {
  assert.equal(
    parseProcNetTcp(
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    ),
    undefined,
  );
  assert.deepEqual(
    parseProcNetTcp(
      '   3: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 20 4 30 10 -1',
    ),
    { inode: 123456, localPort: 0xa1b2, remotePort: 0x1f90 },
  );
  assert.equal(parseProcNetTcp(''), undefined);
});

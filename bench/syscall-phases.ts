import { nearestRank } from './stats.ts';

// How long a hop holds each call, from its system calls as they happened (`perf record -e
// syscalls:sys_{enter,exit}_{read,write,writev,fsync}` on the hop's process, then `perf script -F
// tid,time,event,trace`). At one session a call is: the client's request read, written to the
// upstream, the upstream's answer read, written to the client. The time between a read that got
// bytes and the next write to the other side is the hop's own work on the call's path; the writes
// and syncs are timed from entry to exit. Only the process's main thread counts: the event loop.

export type SyscallName = 'read' | 'write' | 'writev' | 'fsync';

export interface SyscallEvent {
  /** µs (perf's clock). */
  t: number;
  tid: number;
  phase: 'enter' | 'exit';
  call: SyscallName;
  /** On entry: the file descriptor. */
  fd?: number;
  /** On exit: the return value. */
  ret?: number;
}

const LINE = /^\s*(\d+)\s+(\d+\.\d+):\s+syscalls:sys_(enter|exit)_(read|write|writev|fsync):\s*(.*)$/;

/** One line of `perf script -F tid,time,event,trace`, or undefined for any other line. */
export function parsePerfLine(line: string): SyscallEvent | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, tid, time, phase, call, rest = ''] = m;
  const event: SyscallEvent = {
    t: Number(time) * 1e6,
    tid: Number(tid),
    phase: phase as SyscallEvent['phase'],
    call: call as SyscallName,
  };
  if (phase === 'enter') {
    const fd = /\bfd: (0x[0-9a-f]+)/.exec(rest);
    if (fd) event.fd = Number(fd[1]);
  } else {
    // perf prints the return value as an unsigned 64-bit hex number: -11 is 0xfffffffffffffff5.
    const ret = /^(0x[0-9a-f]+|-?\d+)\b/.exec(rest.trim());
    if (ret) event.ret = Number(BigInt.asIntN(64, BigInt(ret[1] as string)));
  }
  return event;
}

export interface Spread {
  n: number;
  p10: number;
  p50: number;
  p90: number;
}

export interface Phases {
  /** The client's request read → its write to the upstream begun. */
  request: Spread | null;
  /** The upstream's answer read → its write to the client begun. */
  answer: Spread | null;
  /** A write to the upstream, entry to exit. */
  writeUpstream: Spread | null;
  /** A write to the client, entry to exit. */
  writeClient: Spread | null;
  /** An fsync, entry to exit. */
  fsync: Spread | null;
}

function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p10: nearestRank(sorted, 10),
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
  };
}

/**
 * The phases of the calls in `events`, on thread `tid`: `clientFds` are the sockets of the
 * hop's clients, `upstreamFds` its sockets to the upstream. A read counts when it got bytes; a
 * phase starts at the first such read and ends at the next write to the other side.
 */
export function callPhases(
  events: readonly SyscallEvent[],
  tid: number,
  clientFds: ReadonlySet<number>,
  upstreamFds: ReadonlySet<number>,
): Phases {
  const out = { request: [], answer: [], writeUpstream: [], writeClient: [], fsync: [] } as Record<
    keyof Phases,
    number[]
  >;
  const entered = new Map<SyscallName, SyscallEvent>();
  let requestFrom: number | undefined;
  let answerFrom: number | undefined;
  for (const e of events) {
    if (e.tid !== tid) continue;
    if (e.phase === 'enter') {
      entered.set(e.call, e);
      if (e.call === 'write' || e.call === 'writev') {
        if (e.fd !== undefined && upstreamFds.has(e.fd) && requestFrom !== undefined) {
          out.request.push(e.t - requestFrom);
          requestFrom = undefined;
        } else if (e.fd !== undefined && clientFds.has(e.fd) && answerFrom !== undefined) {
          out.answer.push(e.t - answerFrom);
          answerFrom = undefined;
        }
      }
      continue;
    }
    const start = entered.get(e.call);
    entered.delete(e.call);
    if (!start) continue;
    const fd = start.fd;
    if (e.call === 'read') {
      if ((e.ret ?? 0) <= 0 || fd === undefined) continue;
      if (clientFds.has(fd)) requestFrom ??= e.t;
      else if (upstreamFds.has(fd)) answerFrom ??= e.t;
    } else if (e.call === 'fsync') out.fsync.push(e.t - start.t);
    else if (fd !== undefined && upstreamFds.has(fd)) out.writeUpstream.push(e.t - start.t);
    else if (fd !== undefined && clientFds.has(fd)) out.writeClient.push(e.t - start.t);
  }
  return {
    request: spread(out.request),
    answer: spread(out.answer),
    writeUpstream: spread(out.writeUpstream),
    writeClient: spread(out.writeClient),
    fsync: spread(out.fsync),
  };
}

/** One `/proc/net/tcp` line → its socket inode and ports, or undefined (the header, say). */
export function parseProcNetTcp(
  line: string,
): { inode: number; localPort: number; remotePort: number } | undefined {
  const f = line.trim().split(/\s+/);
  const local = f[1]?.split(':')[1];
  const remote = f[2]?.split(':')[1];
  const inode = f[9];
  if (!local || !remote || !inode || !/^\d+$/.test(inode) || f[0] === 'sl') return undefined;
  return {
    inode: Number(inode),
    localPort: Number.parseInt(local, 16),
    remotePort: Number.parseInt(remote, 16),
  };
}

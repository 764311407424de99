import type { StdioUpstreamConfig } from '../config/index.ts';
import { GatewayError } from '../core/errors.ts';
import type { Exchange, Upstream } from '../core/exchange.ts';
import type { Session } from '../session/index.ts';
import { isInitialize, writeHead } from './respond.ts';
import { ProcessBudget } from './stdio-child.ts';
import { LegacyStdioSession } from './stdio-legacy.ts';
import { ModernStdioUpstream } from './stdio-modern.ts';

export interface StdioUpstreamOptions {
  timeoutMs: number;
  /** Shared across every stdio upstream of a gateway (limits.stdioProcesses). */
  budget: ProcessBudget;
}

export { ProcessBudget };

export function createStdioUpstream(
  name: string,
  cfg: Readonly<StdioUpstreamConfig>,
  opts: StdioUpstreamOptions,
): Upstream {
  const bySession = new Map<string, LegacyStdioSession>();
  const modern =
    cfg.era === 'modern' ? new ModernStdioUpstream(name, cfg, opts.budget, opts.timeoutMs) : undefined;

  function legacyFor(ex: Exchange, session: Session): LegacyStdioSession {
    const existing = bySession.get(session.id);
    if (existing) return existing;
    if (!isInitialize(ex)) throw new GatewayError('CUSTOS_SESSION_NOT_FOUND');
    const child = new LegacyStdioSession(name, cfg, opts.budget, session, opts.timeoutMs, ex.upstreamEnv);
    bySession.set(session.id, child);
    session.onClose = () => {
      bySession.delete(session.id);
      void child.close();
    };
    child.onDead = () => {
      bySession.delete(session.id);
      ex.ctx.sessions.close(session);
    };
    return child;
  }

  return {
    name,
    kind: 'stdio',
    async forward(ex: Exchange) {
      if (ex.era === 'modern') {
        if (!modern) {
          // What a legacy server answers to a request without initialize; a 2026-07-28 client
          // reads it as "legacy server" and falls back to initialize (MCP 2026-07-28 backward compatibility).
          throw new GatewayError('CUSTOS_NOT_INITIALIZED');
        }
        return modern.forward(ex);
      }
      const session = ex.session;
      if (!session) throw new GatewayError('CUSTOS_NOT_INITIALIZED');
      if (ex.httpMethod === 'DELETE') {
        ex.ctx.sessions.close(session);
        writeHead(ex, 200, {});
        ex.res.end();
        return;
      }
      ex.upstreamNs = process.hrtime.bigint();
      const s = legacyFor(ex, session);
      if (ex.httpMethod === 'GET') return s.get(ex);
      return s.post(ex);
    },
    async endSession(session: Session) {
      const s = bySession.get(session.id);
      bySession.delete(session.id);
      await s?.close();
    },
    async close() {
      const all = [...bySession.values()];
      bySession.clear();
      await Promise.allSettled([...all.map((s) => s.close()), modern?.close()]);
    },
  };
}

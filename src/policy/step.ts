import { unwatchFile, watchFile } from 'node:fs';
import { sendJson } from '../core/answer.ts';
import { GatewayError } from '../core/errors.ts';
import { addOutbound, type Exchange } from '../core/exchange.ts';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import { log } from '../core/log.ts';
import { loadPolicyFile } from './compile.ts';
import { evaluatePolicy } from './evaluate.ts';
import { filterList, isVisible, type ListMethod } from './filter-list.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import type { CompiledPolicy, Decision } from './types.ts';

// The authorize step: identity × server × method × tool × arguments → allow / deny / approve,
// naming the rule (docs/policy.md). Compiled at boot and again when the file changes; a bad file
// keeps the policy in force and says why. List answers are filtered so a caller sees only what
// it may use, and a hidden tool is refused like an unknown one. An `approve` decision is handed
// to the approve step as data (Exchange.approvalNeed).

export interface GatewayPolicy {
  current(): CompiledPolicy;
  /** The authorize step (loaded only when a policy is configured). */
  authorize(ex: Exchange): void;
  readonly limiter: RateLimiter;
  close(): void;
}

const LIST_METHODS: ReadonlySet<string> = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
]);
const CALLS: Readonly<Record<string, string>> = {
  'tools/call': 'tools',
  'prompts/get': 'prompts',
  'resources/read': 'resources',
};

/** Loads the policy file and watches it; undefined when no policy is configured. */
export function buildPolicy(file: string | undefined): GatewayPolicy | undefined {
  if (file === undefined) return undefined;
  let policy = loadPolicyFile(file);
  const onChange = (): void => {
    try {
      policy = loadPolicyFile(file);
      log('info', 'policy reloaded', { file });
    } catch (err) {
      // The old policy stays in force; the error names file, rule and field.
      log('error', 'policy not reloaded: the file has errors, the previous policy stays in force', {
        file,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  watchFile(file, { interval: 1000, persistent: false }, onChange);
  return {
    current: () => policy,
    authorize,
    limiter: createRateLimiter(),
    close: () => unwatchFile(file, onChange),
  };
}

function nameOf(msg: JsonRpcMessage): string | undefined {
  const p = msg.params;
  if (!p) return undefined;
  if (msg.method === 'resources/read') return typeof p.uri === 'string' ? p.uri : undefined;
  return typeof p.name === 'string' ? p.name : undefined;
}

function mcpParamHeaders(ex: Exchange): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const k in ex.req.headers) {
    if (!k.startsWith('mcp-param-')) continue;
    const v = ex.req.headers[k];
    if (typeof v !== 'string') continue;
    if (out === undefined) out = Object.create(null) as Record<string, string>;
    out[k] = v;
  }
  return out;
}

export function authorize(ex: Exchange): void {
  const gp = ex.ctx.policy;
  if (!gp || !ex.identity) return;
  const policy = gp.current();
  const identity = ex.identity;
  const server = ex.upstream.name;
  const now = Date.now();
  for (const msg of ex.messages) {
    // Only requests and notifications carry a method; answers to server→client requests pass.
    if (msg.method === undefined) continue;
    const name = nameOf(msg);
    const kind = CALLS[msg.method];
    // A hidden tool, prompt or resource is refused exactly like an unknown one: no oracle.
    if (
      kind &&
      name !== undefined &&
      !isVisible(policy, identity, server, msg.method, name, { era: ex.era, now })
    ) {
      ex.policyRule = 'hidden';
      ex.policyEffect = 'deny';
      if (ex.messages.length !== 1)
        throw new GatewayError('CUSTOS_POLICY_DENIED', { detail: 'a batch names a hidden item' });
      sendJson(ex, 200, unknownAnswer(msg, name));
      return;
    }
    const decision = evaluatePolicy(policy, {
      identity,
      server,
      method: msg.method,
      name,
      args: msg.method === 'resources/read' ? msg.params : msg.params?.arguments,
      era: ex.era,
      headers: mcpParamHeaders(ex),
      now,
    });
    record(ex, decision);
    if (decision.effect === 'deny') {
      throw new GatewayError('CUSTOS_POLICY_DENIED', {
        detail: `rule '${decision.rule}': ${decision.reason}`,
      });
    }
    if (decision.effect === 'approve') {
      const spec = decision.approval;
      // A held call is one request answered by itself: a batch (2025-03-26) cannot wait for a
      // human, and without the approval flow (no policy-built approvals) nothing could grant it.
      if (ex.messages.length !== 1 || spec === undefined || !ex.ctx.approvals) {
        throw new GatewayError('CUSTOS_APPROVAL_REQUIRED', {
          detail: `rule '${decision.rule}' needs an approval by ${spec?.approvers.join(', ') ?? 'an approver'}; send the call on its own`,
        });
      }
      ex.approvalNeed = {
        spec,
        reason: decision.reason,
        method: msg.method,
        name,
        // The digest binds the grant to exactly these arguments; `_meta` (progress tokens, client
        // info) changes per request and is not part of what was approved.
        args: msg.method === 'resources/read' ? { uri: msg.params?.uri } : (msg.params?.arguments ?? {}),
      };
    }
    const limit = gp.limiter.check(decision, identity, kind === 'tools' ? name : undefined, now);
    if (!limit.ok) {
      ex.approvalNeed = undefined;
      throw new GatewayError('CUSTOS_RATE_LIMITED', {
        detail: `rule '${limit.rule}'`,
        retryAfter: limit.retryAfterSeconds,
      });
    }
  }
  const first = ex.messages[0];
  if (first?.method !== undefined && LIST_METHODS.has(first.method)) {
    const method = first.method as ListMethod;
    addOutbound(ex, (msg) =>
      filterAnswer(msg, (items) => filterList(policy, identity, server, method, items, { era: ex.era, now })),
    );
  }
}

/**
 * What the official MCP SDKs answer for a name they do not have, so a hidden item cannot be told
 * from a missing one: tools/call an error result, prompts/get -32602, resources/read -32002.
 */
function unknownAnswer(msg: JsonRpcMessage, name: string): unknown {
  const id = msg.id ?? null;
  if (msg.method === 'tools/call') {
    return {
      result: {
        content: [{ type: 'text', text: `MCP error -32602: Tool ${name} not found` }],
        isError: true,
      },
      jsonrpc: '2.0',
      id,
    };
  }
  if (msg.method === 'prompts/get') {
    return {
      jsonrpc: '2.0',
      id,
      error: { code: -32602, message: `MCP error -32602: Prompt ${name} not found` },
    };
  }
  return {
    jsonrpc: '2.0',
    id,
    error: { code: -32002, message: `MCP error -32002: Resource ${name} not found` },
  };
}

const LIST_KEYS = ['tools', 'prompts', 'resources', 'resourceTemplates'] as const;

/** Keeps only the items the caller may use; order and nextCursor are left as they were. */
function filterAnswer(msg: JsonRpcMessage, keep: (items: { name?: string }[]) => unknown[]): JsonRpcMessage {
  const result = msg.result as Record<string, unknown> | undefined;
  if (!result || typeof result !== 'object') return msg;
  for (const key of LIST_KEYS) {
    const items = result[key];
    if (Array.isArray(items))
      return { ...msg, result: { ...result, [key]: keep(items as { name?: string }[]) } };
  }
  return msg;
}

function record(ex: Exchange, decision: Decision): void {
  ex.policyRule = decision.rule;
  ex.policyEffect = decision.effect;
  for (const d of decision.dryRun) {
    log('info', 'policy dry-run match', {
      requestId: ex.id,
      server: ex.upstream.name,
      rule: d.rule,
      wouldBe: d.effect,
      subject: ex.identity?.subject,
    });
  }
}

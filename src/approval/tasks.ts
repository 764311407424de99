import { randomBytes } from 'node:crypto';
import { sendJson } from '../core/answer.ts';
import { GatewayError } from '../core/errors.ts';
import { addOutbound, type Exchange } from '../core/exchange.ts';
import type { JsonRpcId, JsonRpcMessage } from '../core/jsonrpc.ts';
import type { ApprovalRecord, ApprovalStore } from '../store/index.ts';
import type { DecisionWatch } from './watch.ts';

// A held call as a task (MCP 2026-07-28 tasks extension, io.modelcontextprotocol/tasks, SEP-2663):
// when a 2026-07-28 client declares the extension on a tools/call, the gateway answers at once
// with a CreateTaskResult (resultType "task") instead of holding the POST. The client polls
// tasks/get; while the request is pending the task is `working`; denied or expired it is
// `failed` with the error a held call would have got; once granted, the poll itself becomes the
// original call — it goes down the whole data path again (pins, authorize, approve, credential,
// mask, upstream) and its answer is returned as the `completed` (or `failed`) task. A server may
// return a task whenever the client declared the extension; the gateway never returns one to a
// client that did not.
//
// The original call (its arguments, raw) is kept in memory only, never in the store; a gateway
// that restarts loses it, and the client is told to call again (the grant still applies).

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
const TASK_PREFIX = 'custos-task-';
const MAX_HELD = 10_000;
const POLL_INTERVAL_MS = 1000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface HeldTask {
  readonly taskId: string;
  readonly approvalId: string;
  /** The original tools/call, as the client sent it. */
  readonly message: JsonRpcMessage;
  /** Its protocol headers (Mcp-Method, Mcp-Name, Mcp-Param-*), restored when it is run. */
  readonly headers: Readonly<Record<string, string>>;
  state: 'waiting' | 'running' | 'input' | 'done';
  /** MRTR inside a task: what the upstream asked for, and the client's answers (tasks/update). */
  inputRequests?: unknown;
  requestState?: unknown;
  inputResponses?: unknown;
}

export interface ApprovalTasks {
  /** Whether this exchange should get a task instead of being held. */
  wanted(ex: Exchange): boolean;
  /** Answers the call with a CreateTaskResult for `approval`. */
  answerCreated(ex: Exchange, approval: ApprovalRecord): void;
  /** The task whose granted call this exchange is running, if it is one. */
  replayOf(ex: Exchange): { readonly approvalId: string } | undefined;
  resume(ex: Exchange): undefined | (() => void);
}

/** Whether a 2026-07-28 request declares the tasks extension in its per-request capabilities. */
export function declaresTasks(msg: JsonRpcMessage): boolean {
  const meta = msg.params?._meta;
  const caps = isObj(meta) ? meta[CAPABILITIES] : undefined;
  const ext = isObj(caps) ? caps.extensions : undefined;
  return isObj(ext) && Object.hasOwn(ext, TASKS_EXTENSION);
}

/** The params without the tasks extension: the gateway holds the task, the upstream answers in line. */
function withoutTasksCapability(params: Obj): Obj {
  const meta = params._meta;
  if (!isObj(meta) || !isObj(meta[CAPABILITIES])) return params;
  const caps = meta[CAPABILITIES] as Obj;
  if (!isObj(caps.extensions)) return params;
  const extensions: Obj = { ...caps.extensions };
  delete extensions[TASKS_EXTENSION];
  return { ...params, _meta: { ...meta, [CAPABILITIES]: { ...caps, extensions } } };
}

function protocolHeaders(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const k in ex.req.headers) {
    if (k !== 'mcp-method' && k !== 'mcp-name' && !k.startsWith('mcp-param-')) continue;
    const v = ex.req.headers[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function taskState(a: ApprovalRecord, status: string, statusMessage: string): Obj {
  const timeout = a.expiresAt - a.createdAt;
  return {
    taskId: a.taskId,
    status,
    statusMessage,
    createdAt: iso(a.createdAt),
    lastUpdatedAt: iso(a.decidedAt ?? a.createdAt),
    // The task lives while the request waits and then while its grant may be used.
    ttlMs: timeout + (a.grantForSeconds === null ? timeout : a.grantForSeconds * 1000),
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

function rpcErrorOf(err: GatewayError, approvalId: string): Obj {
  return { code: err.rpc, message: err.message, data: { code: err.code, approvalId } };
}

function answer(ex: Exchange, id: JsonRpcId | null | undefined, result: Obj): void {
  sendJson(ex, 200, { jsonrpc: '2.0', id: id ?? null, result: { resultType: 'complete', ...result } });
}

export function createApprovalTasks(store: ApprovalStore, watch: DecisionWatch): ApprovalTasks {
  const held = new Map<string, HeldTask>();
  const replays = new WeakMap<Exchange, HeldTask>();

  const remember = (task: HeldTask): void => {
    if (held.size >= MAX_HELD) {
      const oldest = held.keys().next().value;
      if (oldest !== undefined) held.delete(oldest);
    }
    held.set(task.taskId, task);
  };

  const waitingText = (a: ApprovalRecord): string =>
    `Waiting for approval ${a.id} by ${a.approvers.join(', ')} (${a.quorum} needed)`;

  /** Turns the poll into the original call; its answer comes back as the task's final state. */
  const run = (ex: Exchange, poll: JsonRpcMessage, task: HeldTask, a: ApprovalRecord): (() => void) => {
    let params = withoutTasksCapability({ ...(task.message.params ?? {}) });
    const previous = task.state;
    if (previous === 'input') {
      params = { ...params, inputResponses: task.inputResponses };
      if (task.requestState !== undefined) params.requestState = task.requestState;
    }
    const call: JsonRpcMessage = { jsonrpc: '2.0', id: poll.id ?? null, method: 'tools/call', params };
    ex.messages = [call];
    ex.body = Buffer.from(JSON.stringify(call));
    // The exchange now is the original call, headers included, so every later step (pins,
    // policy, the upstream's own header check) sees exactly what was approved.
    const headers = ex.req.headers;
    for (const k of Object.keys(headers)) if (k.startsWith('mcp-param-')) delete headers[k];
    Object.assign(headers, task.headers);
    task.state = 'running';
    replays.set(ex, task);
    addOutbound(ex, (out) => {
      if (out.id !== poll.id || (out.result === undefined && out.error === undefined)) return out;
      const done = (status: string, extra: Obj): JsonRpcMessage => ({
        jsonrpc: '2.0',
        id: out.id ?? null,
        result: { resultType: 'complete', ...taskState(a, status, status), ...extra },
      });
      if (out.error !== undefined) {
        task.state = 'done';
        held.delete(task.taskId);
        return done('failed', { error: out.error });
      }
      const result = isObj(out.result) ? out.result : {};
      if (result.resultType === 'input_required') {
        task.state = 'input';
        task.inputRequests = result.inputRequests;
        task.requestState = result.requestState;
        task.inputResponses = undefined;
        return done('input_required', { inputRequests: result.inputRequests });
      }
      task.state = 'done';
      held.delete(task.taskId);
      return done('completed', { result: out.result });
    });
    // No final answer (the upstream failed, the client left): a later poll runs the call again.
    return () => {
      if (task.state === 'running') task.state = previous;
    };
  };

  return {
    wanted: (ex) =>
      ex.era === 'modern' && ex.messages[0]?.method === 'tools/call' && declaresTasks(ex.messages[0]),

    answerCreated(ex, approval) {
      const msg = ex.messages[0] as JsonRpcMessage;
      let a = approval;
      if (a.taskId === null) {
        const taskId = `${TASK_PREFIX}${randomBytes(18).toString('base64url')}`;
        store.setApprovalTask(a.id, taskId);
        a = { ...a, taskId };
      }
      const taskId = a.taskId as string;
      if (!held.has(taskId)) {
        remember({
          taskId,
          approvalId: a.id,
          message: msg,
          headers: protocolHeaders(ex),
          state: 'waiting',
        });
      }
      sendJson(ex, 200, {
        jsonrpc: '2.0',
        id: msg.id ?? null,
        result: { resultType: 'task', ...taskState(a, 'working', waitingText(a)) },
      });
    },

    replayOf: (ex) => replays.get(ex),

    resume(ex) {
      if (ex.era !== 'modern' || ex.messages.length !== 1) return undefined;
      const msg = ex.messages[0] as JsonRpcMessage;
      const method = msg.method;
      if (method !== 'tasks/get' && method !== 'tasks/update' && method !== 'tasks/cancel') return undefined;
      const taskId = msg.params?.taskId;
      if (typeof taskId !== 'string' || !taskId.startsWith(TASK_PREFIX)) return undefined;
      const found = store.getApprovalByTask(taskId);
      // Someone else's task answers like an unknown one: a task id is a handle, not a name.
      if (!found || found.requester !== ex.identity?.subject) throw new GatewayError('CUSTOS_TASK_NOT_FOUND');
      ex.approvalId = found.id;
      const now = Date.now();
      if (found.status === 'pending' && found.expiresAt <= now && store.expireApproval(found.id, now))
        watch.wake(found.id);
      const a = store.getApproval(found.id) ?? found;
      const task = held.get(taskId);
      if (method === 'tasks/cancel') {
        if (a.status === 'pending' && store.withdrawApproval(a.id, now, a.requester)) watch.wake(a.id);
        if (task?.state !== 'running') held.delete(taskId);
        answer(ex, msg.id, {});
        return undefined;
      }
      if (method === 'tasks/update') {
        // Responses for anything not currently asked are ignored, as the extension says.
        if (task?.state === 'input' && isObj(msg.params?.inputResponses))
          task.inputResponses = msg.params.inputResponses;
        answer(ex, msg.id, {});
        return undefined;
      }
      const failed = (err: GatewayError): void => {
        held.delete(taskId);
        answer(ex, msg.id, { ...taskState(a, 'failed', err.message), error: rpcErrorOf(err, a.id) });
      };
      switch (a.status) {
        case 'pending':
          answer(ex, msg.id, taskState(a, 'working', waitingText(a)));
          return undefined;
        case 'denied':
          failed(new GatewayError('CUSTOS_APPROVAL_DENIED', { detail: `approval ${a.id} was denied` }));
          return undefined;
        case 'expired':
          failed(
            new GatewayError('CUSTOS_APPROVAL_EXPIRED', { detail: `approval ${a.id} was not given in time` }),
          );
          return undefined;
        case 'withdrawn':
          held.delete(taskId);
          answer(ex, msg.id, taskState(a, 'cancelled', `approval ${a.id} was withdrawn`));
          return undefined;
        default:
          break;
      }
      // Granted (or its one call under way).
      if (!task || task.state === 'done') {
        if (a.status === 'granted' && a.uses === 0) {
          failed(
            new GatewayError('CUSTOS_APPROVAL_REQUIRED', {
              detail: `approval ${a.id} is granted, but this gateway no longer holds the call; call the tool again`,
            }),
          );
          return undefined;
        }
        throw new GatewayError('CUSTOS_TASK_NOT_FOUND', { detail: 'its result was already delivered' });
      }
      if (task.state === 'running') {
        answer(ex, msg.id, taskState(a, 'working', `Running the approved call (approval ${a.id})`));
        return undefined;
      }
      if (task.state === 'input' && task.inputResponses === undefined) {
        answer(ex, msg.id, {
          ...taskState(a, 'input_required', 'The server asks for input'),
          inputRequests: task.inputRequests,
        });
        return undefined;
      }
      return run(ex, msg, task, a);
    },
  };
}

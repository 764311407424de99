import type { OutgoingHttpHeaders } from 'node:http';
import { type GatewayError, toGatewayError } from '../core/errors.ts';
import type { Exchange } from '../core/exchange.ts';
import { type JsonRpcId, rpcError } from '../core/jsonrpc.ts';

export const REQUEST_ID_HEADER = 'x-custos-request-id';

export function writeHead(ex: Exchange, status: number, headers: OutgoingHttpHeaders): void {
  headers[REQUEST_ID_HEADER] = ex.id;
  ex.streaming = String(headers['content-type'] ?? '').startsWith('text/event-stream');
  ex.res.writeHead(status, headers);
}

export function isInitialize(ex: Exchange): boolean {
  return ex.messages.length === 1 && ex.messages[0]?.method === 'initialize';
}

/** Records that the upstream answered with a JSON-RPC error (an initialize error opens no session). */
export function markRpcError(ex: Exchange, code: unknown): void {
  ex.outcome = 'error';
  ex.errorCode = String(code);
}

/** The id to answer an error with: the request's, when there is exactly one request. */
function errorId(ex: Exchange): JsonRpcId | null {
  if (ex.messages.length !== 1) return null;
  const id = ex.messages[0]?.id;
  return id === undefined ? null : id;
}

/** The error's `data`: the stable code, the request id, and safe identifiers (retryAfter, an approval id). */
export function errorData(ex: Exchange, err: GatewayError): Record<string, unknown> {
  const data: Record<string, unknown> = { ...err.data, code: err.code, requestId: ex.id };
  if (err.retryAfter !== undefined) data.retryAfter = err.retryAfter;
  return data;
}

export function errorBody(ex: Exchange, err: GatewayError): string {
  return JSON.stringify(rpcError(errorId(ex), err.rpc, err.message, errorData(ex, err)));
}

/**
 * Answers with the error as JSON-RPC. Before any byte was sent that is an HTTP error status; on an
 * SSE stream already under way it is one more event for each request still waiting, then the end.
 */
export function answerError(ex: Exchange, thrown: unknown): GatewayError {
  const err = toGatewayError(thrown);
  ex.outcome = err.code === 'CUSTOS_INTERNAL' || err.http >= 500 ? 'error' : 'rejected';
  ex.errorCode = err.code;
  const { res } = ex;
  if (res.destroyed || res.writableEnded) return err;
  if (!res.headersSent) {
    const body = errorBody(ex, err);
    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
    if (err.challenge !== undefined) headers['www-authenticate'] = err.challenge;
    // An unread oversized body is dropped with the connection.
    if (err.code === 'CUSTOS_BODY_TOO_LARGE') headers.connection = 'close';
    writeHead(ex, err.http, headers);
    ex.bytesOut += Buffer.byteLength(body);
    res.end(body);
    return err;
  }
  if (ex.streaming) {
    for (const m of ex.messages) {
      if (m.method !== undefined && m.id !== undefined && m.id !== null) {
        const event = `event: message\ndata: ${JSON.stringify(rpcError(m.id, err.rpc, err.message, errorData(ex, err)))}\n\n`;
        ex.bytesOut += Buffer.byteLength(event);
        res.write(event);
      }
    }
    res.end();
  } else {
    res.destroy();
  }
  return err;
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCallToolResult, isInputRequiredResult } from '@modelcontextprotocol/client';
import {
  CallToolResultSchema,
  CompleteResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  GetPromptResultSchema,
  InitializeResultSchema,
  ListToolsResultSchema,
  LoggingMessageNotificationSchema,
  ProgressNotificationSchema,
  ReadResourceResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { JsonRpcMessage } from '../../src/core/jsonrpc.ts';
import { maskMessage } from '../../src/masking/message.ts';
import { defaultProfile } from './helpers.ts';

// Every content-carrying field of a server → client message, in the legacy era (validated with
// the v1 SDK's schemas) and in 2026-07-28 (resultType, input_required; the v2 SDK's guards).

const EMAIL = 'ilse.brandauer@example.com';
const PHONE = '+43 664 1234567';
const IBAN = 'AT61 1904 3002 3457 3201';
const TAX_ID = '86095742719';
const PII = [EMAIL, PHONE, IBAN, TAX_ID, 'Brandauer'];
const PROSE = `Ilse Brandauer (${EMAIL}, ${PHONE}) pays from ${IBAN}; Steuer-ID ${TAX_ID}.`;
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };

const leaks = (v: unknown): string[] => PII.filter((p) => JSON.stringify(v).includes(p));
const response = (result: Record<string, unknown>): JsonRpcMessage => ({ jsonrpc: '2.0', id: 'r-1', result });
const masked = (msg: JsonRpcMessage) => maskMessage(msg, defaultProfile);

for (const era of ['2025-11-25', '2026-07-28'] as const) {
  const modern = era === '2026-07-28';
  const resultOf = (r: Record<string, unknown>): Record<string, unknown> =>
    modern ? { resultType: 'complete', _meta: META, ...r } : r;

  describe(`server → client messages, ${era}`, () => {
    test('tools/call: text, JSON text, image, audio, embedded resource, resource link, structuredContent', () => {
      const structured = {
        customer: { name: 'Ilse Brandauer', email: EMAIL, visits: 7, vip: false, phones: [PHONE] },
      };
      const msg = response(
        resultOf({
          content: [
            { type: 'text', text: PROSE },
            { type: 'text', text: JSON.stringify(structured) },
            { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
            { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
            { type: 'resource', resource: { uri: 'crm://notes/1', mimeType: 'text/plain', text: PROSE } },
            {
              type: 'resource',
              resource: {
                uri: 'crm://notes/2',
                mimeType: 'text/plain',
                blob: Buffer.from(PROSE).toString('base64'),
              },
            },
            {
              type: 'resource_link',
              uri: `mailto:${EMAIL}`,
              name: 'contact',
              description: `write to ${EMAIL}`,
            },
          ],
          structuredContent: structured,
          isError: false,
        }),
      );
      const { msg: out, findings } = masked(msg);
      const result = out.result as {
        content: { text?: string; data?: string; uri?: string; resource?: { blob?: string } }[];
        structuredContent: typeof structured;
      };
      // The link's URI is an address the client must dereference: kept, and reported as `keep`.
      assert.equal(result.content[6]?.uri, `mailto:${EMAIL}`);
      assert.ok(findings.some((f) => f.path === '$.result.content[6].uri' && f.operator === 'keep'));
      result.content[6] = { ...result.content[6], uri: 'crm://x' };
      assert.deepEqual(leaks(out), []);
      assert.ok(
        !Buffer.from(result.content[5]?.resource?.blob ?? '', 'base64')
          .toString()
          .includes(EMAIL),
      );
      assert.equal(result.content[2]?.data, 'iVBORw0KGgo=');
      // Type-preserving: numbers and booleans stay, and the text block is the masked structure.
      assert.equal(result.structuredContent.customer.visits, 7);
      assert.equal(result.structuredContent.customer.vip, false);
      assert.equal(result.content[1]?.text, JSON.stringify(result.structuredContent));
      const schema = z.object({
        customer: z.object({
          name: z.string(),
          email: z.string(),
          visits: z.number(),
          vip: z.boolean(),
          phones: z.array(z.string()),
        }),
      });
      assert.ok(schema.safeParse(result.structuredContent).success);
      assert.ok(CallToolResultSchema.safeParse(out.result).success);
      if (modern) assert.ok(isCallToolResult(out.result));
      // Findings in the text copy of the structure point into the text.
      assert.ok(findings.some((f) => f.path === '$.result.content[1].text.customer.email'));
      assert.equal(out.id, 'r-1');
      if (modern) assert.deepEqual((out.result as { _meta: unknown })._meta, META);
    });

    test('resources/read contents, prompts/get messages', () => {
      const read = masked(
        response(
          resultOf({
            contents: [
              {
                uri: 'crm://c/1',
                mimeType: 'application/json',
                text: JSON.stringify({ email: EMAIL, iban: IBAN }),
              },
            ],
          }),
        ),
      );
      assert.deepEqual(leaks(read.msg), []);
      assert.ok(ReadResourceResultSchema.safeParse(read.msg.result).success);
      const prompt = masked(
        response(
          resultOf({
            description: `Draft a reply to ${EMAIL}`,
            messages: [
              { role: 'user', content: { type: 'text', text: PROSE } },
              {
                role: 'assistant',
                content: { type: 'resource', resource: { uri: 'crm://c/1', text: PROSE } },
              },
            ],
          }),
        ),
      );
      assert.deepEqual(leaks(prompt.msg), []);
      assert.ok(GetPromptResultSchema.safeParse(prompt.msg.result).success);
    });

    test('log and progress notifications', () => {
      const log = masked({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', logger: 'crm', data: { event: 'lookup', who: EMAIL, note: PROSE } },
      });
      assert.deepEqual(leaks(log.msg), []);
      assert.ok(LoggingMessageNotificationSchema.safeParse(log.msg).success);
      const text = masked({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'error', data: PROSE },
      });
      assert.deepEqual(leaks(text.msg), []);
      const progress = masked({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'p-9', progress: 3, total: 10, message: `exporting ${EMAIL}` },
      });
      assert.deepEqual(leaks(progress.msg), []);
      assert.equal((progress.msg.params as { progressToken: string }).progressToken, 'p-9');
      assert.ok(ProgressNotificationSchema.safeParse(progress.msg).success);
    });

    test('JSON-RPC errors: message and data', () => {
      const { msg } = masked({
        jsonrpc: '2.0',
        id: 4,
        error: { code: -32602, message: `no customer ${EMAIL}`, data: { tried: [PHONE, IBAN] } },
      });
      assert.deepEqual(leaks(msg), []);
      assert.equal(msg.error?.code, -32602);
    });

    test('elicitation and sampling requests from the server', () => {
      const elicit = masked({
        jsonrpc: '2.0',
        id: 5,
        method: 'elicitation/create',
        params: {
          message: `Confirm the IBAN ${IBAN} for Ilse Brandauer`,
          requestedSchema: { type: 'object', properties: { email: { type: 'string', default: EMAIL } } },
        },
      });
      assert.deepEqual(leaks(elicit.msg), []);
      assert.ok(ElicitRequestSchema.safeParse(elicit.msg).success);
      const sampling = masked({
        jsonrpc: '2.0',
        id: 6,
        method: 'sampling/createMessage',
        params: {
          messages: [{ role: 'user', content: { type: 'text', text: PROSE } }],
          systemPrompt: `Customer ${EMAIL}`,
          maxTokens: 100,
          modelPreferences: { hints: [{ name: 'claude' }] },
        },
      });
      assert.deepEqual(leaks(sampling.msg), []);
      assert.ok(CreateMessageRequestSchema.safeParse(sampling.msg).success);
    });

    test('completion values, initialize instructions and list results (names and schemas untouched)', () => {
      const completion = masked(
        response(resultOf({ completion: { values: [EMAIL, 'other'], total: 2, hasMore: false } })),
      );
      assert.deepEqual(leaks(completion.msg), []);
      assert.ok(CompleteResultSchema.safeParse(completion.msg.result).success);
      const init = masked(
        response({
          protocolVersion: era,
          capabilities: { tools: {} },
          serverInfo: { name: 'crm', version: '1' },
          instructions: `Escalate to ${EMAIL}`,
        }),
      );
      assert.deepEqual(leaks(init.msg), []);
      assert.equal((init.msg.result as { protocolVersion: string }).protocolVersion, era);
      assert.ok(InitializeResultSchema.safeParse(init.msg.result).success);
      const tool = {
        name: 'lookup',
        description: `Ask ${EMAIL}`,
        inputSchema: { type: 'object', properties: { name: { type: 'string' } } },
      };
      const list = masked(response(resultOf({ tools: [tool], nextCursor: 'c2' })));
      const listed = (list.msg.result as { tools: (typeof tool)[] }).tools[0];
      assert.deepEqual(leaks(list.msg), []);
      assert.equal(listed?.name, 'lookup');
      assert.deepEqual(listed?.inputSchema, tool.inputSchema);
      assert.ok(ListToolsResultSchema.safeParse(list.msg.result).success);
    });

    test('anything else under result or params is walked as data', () => {
      const { msg } = masked(
        response(resultOf({ vendorExtension: { contacts: [{ email: EMAIL }], blurb: PROSE } })),
      );
      assert.deepEqual(leaks(msg), []);
    });
  });
}

describe('2026-07-28 input_required results', () => {
  test('embedded elicitation and sampling requests are masked; requestState is passed back untouched', () => {
    const state = `opaque-${Buffer.from(EMAIL).toString('base64')}`;
    const msg = response({
      resultType: 'input_required',
      inputRequests: {
        confirm: {
          method: 'elicitation/create',
          params: { message: `Is ${EMAIL} right?`, requestedSchema: { type: 'object', properties: {} } },
        },
        summarise: {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: PROSE } }], maxTokens: 50 },
        },
      },
      requestState: state,
    });
    const { msg: out, findings } = masked(msg);
    assert.deepEqual(leaks(out), []);
    assert.equal((out.result as { requestState: string }).requestState, state);
    assert.ok(isInputRequiredResult(out.result));
    assert.ok(findings.some((f) => f.path === '$.result.inputRequests.confirm.params.message'));
  });

  test('a message without personal data comes back as the same object', () => {
    const msg = response({ resultType: 'complete', content: [{ type: 'text', text: 'done' }], _meta: META });
    assert.equal(masked(msg).msg, msg);
  });
});

test('a client → server request masks its arguments (for a masked recording); the tool name stays', () => {
  const call: JsonRpcMessage = {
    jsonrpc: '2.0',
    id: 5,
    method: 'tools/call',
    params: { name: 'find_customer', arguments: { email: EMAIL, query: `IBAN ${IBAN}`, limit: 3 } },
  };
  const { msg, findings } = masked(call);
  assert.deepEqual(leaks(msg), []);
  const params = msg.params as { name: string; arguments: { limit: number } };
  assert.equal(params.name, 'find_customer');
  assert.equal(params.arguments.limit, 3);
  assert.deepEqual(
    findings.map((f) => `${f.path} ${f.type}`),
    ['$.params.arguments.email EMAIL', '$.params.arguments.query IBAN'],
  );
  // The input is left as it was: masking copies on write.
  assert.equal((call.params as { arguments: { email: string } }).arguments.email, EMAIL);
});

// The CRM's MCP surface as plain data, independent of either SDK. register-legacy.ts (SDK v1,
// protocol ≤ 2025-11-25) and register-modern.ts (SDK v2, 2026-07-28) are thin adapters over
// these tables, so the two eras cannot drift apart.

import { z } from 'zod';

export const SERVER_INFO = { name: 'custos-demo-crm', version: '0.1.0' } as const;

export const SERVER_INSTRUCTIONS =
  'Demo CRM with fake EU customers. Search with search_customers, fetch one with get_customer, ' +
  'read crm://customers/{id}. delete_customer and send_email change state (in memory only).';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

/** What a tool may do besides returning a result; each era implements it with its own SDK calls. */
export interface ToolContext {
  /** Sends notifications/progress if the client asked for it with a progressToken; otherwise a no-op. */
  progress(progress: number, total: number, message?: string): Promise<void>;
  /** Sends notifications/message (MCP logging capability). */
  log(level: LogLevel, data: unknown): Promise<void>;
  signal: AbortSignal;
}

// Type aliases, not interfaces: the SDK result types carry an index signature, which only an
// alias (never an interface) is implicitly assignable to.
export type TextContent = {
  type: 'text';
  text: string;
};

export type ToolResult = {
  content: TextContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  outputSchema?: z.ZodObject;
  annotations: ToolAnnotations;
  /** `args` has already been validated against inputSchema by the SDK. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
}

/** Ties a handler's argument type to its schema, then erases it so one table can hold every tool. */
export function defineTool<I extends z.ZodObject>(
  tool: Omit<ToolDefinition, 'inputSchema' | 'run'> & {
    inputSchema: I;
    run(args: z.infer<I>, ctx: ToolContext): Promise<ToolResult>;
  },
): ToolDefinition {
  // The cast is sound because both SDKs parse arguments with this same schema before calling run.
  return tool as unknown as ToolDefinition;
}

export type ResourceContents = {
  uri: string;
  mimeType: string;
  text: string;
};

export type ResourceListing = {
  uri: string;
  name: string;
  title?: string;
  mimeType: string;
};

export interface StaticResourceDefinition {
  name: string;
  uri: string;
  title: string;
  description: string;
  mimeType: string;
  read(): ResourceContents;
}

export interface ResourceTemplateDefinition {
  name: string;
  uriTemplate: string;
  title: string;
  description: string;
  mimeType: string;
  list(): ResourceListing[];
  read(uri: URL, variables: Record<string, string | string[]>): ResourceContents;
}

export type PromptMessage = {
  role: 'user' | 'assistant';
  content: TextContent;
};

export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  /** A raw shape because SDK v1 prompts accept only that form (v2 wraps it in z.object). */
  argsShape: Record<string, z.ZodString>;
  get(args: Record<string, string>): { description: string; messages: PromptMessage[] };
}

/**
 * MCP resource-not-found (spec "Resources › Error Handling"). Both SDKs copy a numeric `code` and
 * `data` from a thrown error into the JSON-RPC error, so one class serves both eras: SDK v1 sends
 * -32002; SDK v2 re-encodes it as -32602 with `data.uri`, as 2026-07-28 requires.
 */
export class NotFoundError extends Error {
  readonly code = -32002;
  constructor(
    message: string,
    readonly data: { uri: string },
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export const AddressSchema = z.object({
  street: z.string(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
});

export const CustomerSchema = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  phone: z.string(),
  iban: z.string(),
  address: AddressSchema,
  dateOfBirth: z.string(),
  nationalId: z.object({ country: z.string(), type: z.string(), value: z.string() }),
});

export const SearchResultSchema = z.object({
  customers: z.array(CustomerSchema),
  total: z.number().int(),
  nextCursor: z.string().optional(),
});

export const text = (value: string): TextContent => ({ type: 'text', text: value });

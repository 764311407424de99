// Modern era (protocol 2026-07-28): the shared tables registered on an SDK v2 McpServer.
// createMcpHandler builds one instance per HTTP request, so this must stay cheap.

import { McpServer, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createPrompts, createResourceTemplates, createStaticResources } from './catalog.ts';
import { type LogLevel, SERVER_INFO, SERVER_INSTRUCTIONS, type ToolContext } from './definitions.ts';
import type { CrmStore } from './store.ts';
import { createTools } from './tools.ts';

function toolContext(ctx: ServerContext): ToolContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    signal: ctx.mcpReq.signal,
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, total, ...(message === undefined ? {} : { message }) },
      });
    },
    async log(level: LogLevel, data) {
      // Deprecated by SEP-2577 in 2026-07-28 but still served during the deprecation window;
      // the SDK applies the client's requested level.
      await ctx.mcpReq.log(level, data, 'crm');
    },
  };
}

export function createModernServer(store: CrmStore): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { logging: {} },
    instructions: SERVER_INSTRUCTIONS,
  });

  for (const tool of createTools(store)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
        annotations: tool.annotations,
      },
      (args: Record<string, unknown>, ctx: ServerContext) => tool.run(args, toolContext(ctx)),
    );
  }

  for (const resource of createStaticResources()) {
    const { name, uri, title, description, mimeType } = resource;
    server.registerResource(name, uri, { title, description, mimeType }, () => ({
      contents: [resource.read()],
    }));
  }

  for (const template of createResourceTemplates(store)) {
    const { name, title, description, mimeType } = template;
    server.registerResource(
      name,
      new ResourceTemplate(template.uriTemplate, { list: () => ({ resources: template.list() }) }),
      { title, description, mimeType },
      (uri, variables) => ({ contents: [template.read(uri, variables)] }),
    );
  }

  for (const prompt of createPrompts(store)) {
    const { name, title, description } = prompt;
    server.registerPrompt(name, { title, description, argsSchema: z.object(prompt.argsShape) }, (args) =>
      prompt.get(args),
    );
  }

  return server;
}

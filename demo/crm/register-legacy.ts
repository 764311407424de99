// Legacy era (protocol 2024-11-05 … 2025-11-25): the shared tables registered on an SDK v1
// McpServer. One instance per Streamable HTTP session or stdio connection.

import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createPrompts, createResourceTemplates, createStaticResources } from './catalog.ts';
import { type LogLevel, SERVER_INFO, SERVER_INSTRUCTIONS, type ToolContext } from './definitions.ts';
import type { CrmStore } from './store.ts';
import { createTools } from './tools.ts';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

// RFC 5424 order, as MCP logging uses it.
const SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

function toolContext(extra: Extra, minimumLevel: () => LoggingLevel | undefined): ToolContext {
  const progressToken = extra._meta?.progressToken;
  return {
    signal: extra.signal,
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress, total, ...(message === undefined ? {} : { message }) },
      });
    },
    async log(level: LogLevel, data) {
      const minimum = minimumLevel();
      if (minimum !== undefined && SEVERITY.indexOf(level) < SEVERITY.indexOf(minimum)) return;
      // Sent as related to the request so it travels on that request's SSE stream, not the
      // optional GET stream a client may never open.
      await extra.sendNotification({
        method: 'notifications/message',
        params: { level, logger: 'crm', data },
      });
    },
  };
}

export function createLegacyServer(store: CrmStore): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { logging: {} },
    instructions: SERVER_INSTRUCTIONS,
  });

  // SDK v1 keeps the logging/setLevel choice private and only applies it to unrelated
  // notifications, so the level is tracked here for request-related log messages too.
  let minimumLevel: LoggingLevel | undefined;
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimumLevel = request.params.level;
    return {};
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
      (args: Record<string, unknown>, extra: Extra) =>
        tool.run(
          args,
          toolContext(extra, () => minimumLevel),
        ),
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
    server.registerPrompt(name, { title, description, argsSchema: prompt.argsShape }, (args) =>
      prompt.get(args),
    );
  }

  return server;
}

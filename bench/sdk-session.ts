import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { BenchSession } from './raw-session.ts';

// A session on the official SDK v1 client, as a real MCP client would run it.

export interface SdkSessionOptions {
  url: URL;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  tool: string;
  args: Readonly<Record<string, unknown>>;
}

export function createSdkSession(options: SdkSessionOptions): BenchSession {
  const transport = new StreamableHTTPClientTransport(options.url, {
    requestInit: { headers: { ...options.headers } },
  });
  const client = new Client({ name: 'custos-bench-sdk', version: '1.0.0' });
  const requestOptions = { timeout: options.timeoutMs };
  return {
    async init() {
      await client.connect(transport, requestOptions);
    },
    async call() {
      const result = await client.callTool(
        { name: options.tool, arguments: { ...options.args } },
        undefined,
        requestOptions,
      );
      if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content).slice(0, 200)}`);
    },
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

import { z } from 'zod';

// One schema for the whole file (docs/config.md). `strict` everywhere: an unknown key is an
// error, because a misspelt security setting silently ignored is worse than a refusal to start.

const serverName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a lowercase name of letters, digits, "-" or "_" (max 63)');

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name');

const httpUpstream = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  headers: z.record(headerName, z.string()).default({}),
});

const stdioUpstream = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string())
    .default({}),
  cwd: z.string().optional(),
  /** Which protocol era the child speaks; stdio has no way to ask before spawning. */
  era: z.enum(['legacy', 'modern']).default('legacy'),
});

const server = z
  .strictObject({
    http: httpUpstream.optional(),
    stdio: stdioUpstream.optional(),
    description: z.string().optional(),
  })
  .refine((s) => (s.http === undefined) !== (s.stdio === undefined), {
    error: 'exactly one of "http" or "stdio"',
  });

const positiveInt = z.int().positive();

export const configSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8080),
    })
    .default({ host: '127.0.0.1', port: 8080 }),
  auth: z.strictObject({
    // Until callers are authenticated (identity issue), running open must be said explicitly.
    mode: z.literal('none', { error: 'auth.mode must be "none" (the only mode so far), set explicitly' }),
  }),
  store: z
    .strictObject({
      sqlite: z.strictObject({ path: z.string().min(1) }),
    })
    .default({ sqlite: { path: './custos.db' } }),
  ingress: z
    .strictObject({
      maxBodyBytes: positiveInt.default(4 * 1024 * 1024),
      allowedOrigins: z.array(z.string()).default([]),
      allowedHosts: z.array(z.string().min(1)).default([]),
    })
    .default({ maxBodyBytes: 4 * 1024 * 1024, allowedOrigins: [], allowedHosts: [] }),
  limits: z
    .strictObject({
      sessions: positiveInt.default(10_000),
      sessionsPerCaller: positiveInt.default(2_000),
      requestsPerSession: positiveInt.default(64),
      idleSessionSeconds: positiveInt.default(1800),
      stdioProcesses: positiveInt.default(256),
      upstreamTimeoutSeconds: positiveInt.default(60),
      drainSeconds: z.number().min(0).default(10),
    })
    .default({
      sessions: 10_000,
      sessionsPerCaller: 2_000,
      requestsPerSession: 64,
      idleSessionSeconds: 1800,
      stdioProcesses: 256,
      upstreamTimeoutSeconds: 60,
      drainSeconds: 10,
    }),
  servers: z.record(serverName, server).refine((s) => Object.keys(s).length > 0, {
    error: 'at least one server',
  }),
});

export type Config = z.infer<typeof configSchema>;
export type ServerConfig = Config['servers'][string];
export type HttpUpstreamConfig = z.infer<typeof httpUpstream>;
export type StdioUpstreamConfig = z.infer<typeof stdioUpstream>;

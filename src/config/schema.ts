import * as z from 'zod';
import { auditConfigSchema, serverAuditSchema } from '../audit/config.ts';
import { BAD_HEADER_VALUE, HTTP_TOKEN, POOL_FRAMED_HEADERS } from '../core/http-header.ts';
import { PARSE_ONCE } from '../core/parse-once.ts';
import { maskingConfigSchema, serverMaskingSchema } from '../masking/config.ts';

// One schema for the whole file (docs/config.md). `strict` everywhere: an unknown key is an
// error, because a misspelt security setting silently ignored is worse than a refusal to start.

const serverName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a lowercase name of letters, digits, "-" or "_" (max 63)');

const headerName = z.string().regex(HTTP_TOKEN, 'an HTTP header name');

const positiveInt = z.int().positive();

const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** A trusted token issuer: an OIDC provider, a Kubernetes cluster or a CI system (docs/identity.md). */
const issuer = z.strictObject({
  /** Prefix of the subjects it vouches for (`<name>:<sub>`); unique. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a lowercase name of letters, digits, "-" or "_"'),
  kind: z.enum(['oidc', 'kubernetes', 'github-actions']).default('oidc'),
  /** The exact `iss` value; discovery is fetched from <issuer>/.well-known/openid-configuration. */
  issuer: z.url({ protocol: /^https?$/ }),
  /** Overrides the discovered jwks_uri. */
  jwksUri: z.url({ protocol: /^https?$/ }).optional(),
  /** Accepted `aud` values; default: the gateway's resource URL and the route's URL (RFC 8707). */
  audiences: z.array(z.string().min(1)).optional(),
  /** Explicit allow-list; `none` and HMAC algorithms are never accepted. */
  algorithms: z.array(z.enum(ALGORITHMS)).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
  /** Dot path to the groups (or roles) claim, e.g. `groups` or `realm_access.roles`. */
  groupsClaim: z.string().min(1).default('groups'),
  /** Claim naming the person for SCIM deprovisioning, e.g. `preferred_username` or `email`. */
  userClaim: z.string().min(1).default('preferred_username'),
});

const credentials = z
  .strictObject({
    /** Where the secret comes from: a file (re-read when it changes), an environment variable, or per-user token exchange. */
    file: z.string().min(1).optional(),
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    tokenExchange: z
      .strictObject({
        tokenEndpoint: z.url({ protocol: /^https?$/ }),
        clientId: z.string().min(1),
        clientSecretFile: z.string().min(1).optional(),
        audience: z.string().min(1).optional(),
        scope: z.string().min(1).optional(),
      })
      .optional(),
    /** HTTP upstreams: the header it goes in, with an optional prefix. */
    header: headerName.default('authorization'),
    prefix: z.string().default('Bearer '),
    /** stdio upstreams: the environment variable it goes in. */
    envVar: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
  })
  .refine((c) => [c.file, c.env, c.tokenExchange].filter((x) => x !== undefined).length === 1, {
    error: 'exactly one of "file", "env" or "tokenExchange"',
  });

const httpUpstream = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  headers: z
    .record(
      headerName,
      z.string().refine((v) => !BAD_HEADER_VALUE.test(v), 'a header value without CR, LF or NUL'),
    )
    .superRefine((headers, ctx) => {
      for (const name in headers) {
        if (POOL_FRAMED_HEADERS.has(name.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'a header the gateway does not set itself (not Host, Content-Length, Connection, …)',
          });
      }
    })
    .default({}),
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
    /** OAuth scopes a token must carry for this server (403 insufficient_scope otherwise). */
    scopes: z.array(z.string().min(1)).default([]),
    credentials: credentials.optional(),
    /** Personal data in what this server sends back is masked with this profile (docs/masking.md). */
    masking: serverMaskingSchema.optional(),
    /** Raw retention, retention periods and the Article 30 facts of this server (docs/audit.md). */
    audit: serverAuditSchema.default(serverAuditSchema.parse({}, PARSE_ONCE)),
    /** Tool pinning (docs/policy.md): a tool changed upstream is flagged, or also blocked until accepted. */
    pinning: z.strictObject({ onChange: z.enum(['flag', 'block']).default('flag') }).optional(),
  })
  .refine((s) => (s.http === undefined) !== (s.stdio === undefined), {
    error: 'exactly one of "http" or "stdio"',
  })
  .refine((s) => s.credentials === undefined || s.http !== undefined || s.credentials.envVar !== undefined, {
    error: 'stdio servers take credentials through "credentials.envVar"',
  });

export const configSchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.int().min(0).max(65535).default(8080),
      })
      .default({ host: '127.0.0.1', port: 8080 }),
    auth: z.discriminatedUnion(
      'mode',
      [
        // Running open must be said explicitly; it prints a warning.
        z.strictObject({ mode: z.literal('none') }),
        z.strictObject({
          mode: z.literal('tokens'),
          /** The gateway's public base URL: resource ids (RFC 8707 audiences) and metadata URLs derive from it. */
          resource: z.url({ protocol: /^https?$/ }).optional(),
          clockSkewSeconds: z.int().min(0).max(300).default(60),
          issuers: z.array(issuer).default([]),
          gatewayTokens: z
            .strictObject({
              /** The gateway's signing key (Ed25519 JWK); created with mode 0600 when missing. */
              keyFile: z.string().min(1).default('./custos-signing-key.json'),
              maxTtlSeconds: positiveInt.max(30 * 24 * 3600).default(24 * 3600),
            })
            .default({ keyFile: './custos-signing-key.json', maxTtlSeconds: 24 * 3600 }),
          scim: z.strictObject({ tokenFile: z.string().min(1) }).optional(),
        }),
      ],
      { error: 'auth.mode must be "none" or "tokens", set explicitly' },
    ),
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
        /** MCP routes are read by the gateway's own HTTP/1.1 server (docs/architecture.md); false: node:http only. */
        ownHttpServer: z.boolean().default(true),
      })
      .default({ maxBodyBytes: 4 * 1024 * 1024, allowedOrigins: [], allowedHosts: [], ownHttpServer: true }),
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
    /** The policy file (docs/policy.md): default deny once configured; reloaded when it changes. */
    policy: z.strictObject({ file: z.string().min(1) }).optional(),
    /** Masking profiles and keys; servers opt in with `servers.<name>.masking`. */
    masking: maskingConfigSchema.optional(),
    /** The audit trail: checkpoints, keys, failure mode, Article 30 controller (docs/audit.md). */
    audit: auditConfigSchema.default(auditConfigSchema.parse({}, PARSE_ONCE)),
    /** Held calls and their notifier (docs/policy.md, "Approval"); the rules are in the policy file. */
    approvals: z
      .strictObject({
        /** Notifications link to `<consoleUrl>/<approval id>`; default: the request in the admin API. */
        consoleUrl: z.url({ protocol: /^https?$/ }).optional(),
        /** A held call whose client sent a progress token gets a progress notification this often. */
        progressIntervalSeconds: z.number().min(0.05).max(300).default(10),
        /** Each new request is POSTed here, Slack-compatible and signed (HMAC-SHA256). */
        webhook: z
          .strictObject({
            url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
            /** The signing secret (16+ bytes); read at start. */
            secretFile: z.string().min(1),
            timeoutSeconds: positiveInt.max(60).default(5),
            retries: z.int().min(0).max(10).default(3),
          })
          .optional(),
      })
      .optional(),
    /** The admin API at /admin/v1/ (approvals, tool pins); callers authenticate like MCP clients. */
    admin: z
      .strictObject({
        /** Members may see every approval request and accept changed tools. */
        groups: z.array(z.string().min(1)).default([]),
      })
      .default({ groups: [] }),
    servers: z.record(serverName, server).refine((s) => Object.keys(s).length > 0, {
      error: 'at least one server',
    }),
  })
  .superRefine((c, ctx) => {
    // A server's masking profiles must exist (without a `masking` section: the built-in `default`).
    const profiles = c.masking?.profiles ?? { default: true };
    for (const [name, s] of Object.entries(c.servers)) {
      if (!s.masking) continue;
      const wanted: [string, (string | number)[]][] = [[s.masking.profile, ['profile']]];
      for (const [tool, profile] of Object.entries(s.masking.tools ?? {}))
        wanted.push([profile, ['tools', tool]]);
      for (const [profile, at] of wanted) {
        if (!Object.hasOwn(profiles, profile)) {
          ctx.addIssue({
            code: 'custom',
            path: ['servers', name, 'masking', ...at],
            message: `unknown masking profile '${profile}'`,
          });
        }
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ServerConfig = Config['servers'][string];
export type HttpUpstreamConfig = z.infer<typeof httpUpstream>;
export type StdioUpstreamConfig = z.infer<typeof stdioUpstream>;
export type AuthConfig = Config['auth'];
export type TokensAuthConfig = Extract<AuthConfig, { mode: 'tokens' }>;
export type IssuerConfig = z.infer<typeof issuer>;
export type CredentialsConfig = z.infer<typeof credentials>;

import { isIP } from 'node:net';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { isKnownTimeZone } from './time/zones';

/** A comma-separated list as its trimmed, non-empty entries. */
const commaList = () =>
  z
    .string()
    .default('')
    .transform((v) => v.split(',').map((entry) => entry.trim()).filter(Boolean));

/** An http(s) URL without credentials, query or fragment; http only for this machine (tests, development). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const secureUrl = (what: string) =>
  z
    .string()
    .url()
    .refine((v) => {
      const url = new URL(v);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    }, `${what} must be https:// (http:// only for 127.0.0.1, localhost or [::1])`)
    .refine((v) => {
      const url = new URL(v);
      return !url.username && !url.password && !url.search && !url.hash;
    }, `${what} must not carry credentials, a query or a fragment`);

/** One entry of TRUST_PROXY: an address, a CIDR or one of Express's named ranges. */
function isTrustedProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** Every setting the system reads, parsed once at boot. A bad value stops boot naming the variable. */
const ConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('relay-mailings'),
  TEMPORAL_SEARCH_ATTRIBUTES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  TEMPORAL_UI_URL: z.string().url().optional(),
  PROVIDER_URL: z.string().url().optional(),
  PROVIDER_TOKEN: z.string().min(1).optional(),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** Whether the SMS provider dedupes by message id: only then is a request without a usable answer sent again. */
  PROVIDER_DEDUPES_BY_ID: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  SEND_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  /** Send activities per open window group of a mailing (each on a slice of its zones): lets one mailing use several workers. */
  SEND_PARALLELISM: z.coerce.number().int().min(1).max(32).default(1),
  SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  SEND_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  SEND_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).optional(),
  SEND_ACTIVITY_BUDGET_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** Messages per second to the SMS provider across every worker and mailing (shared through the database); unset: no cap. */
  SEND_RATE_PER_S: z.coerce.number().int().min(1).max(100_000).optional(),
  /** Bulk client import (POST /clients/import): the largest upload in bytes (413 beyond; default 200 MB)... */
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1_024).max(100 * 1024 ** 3).default(200 * 1024 ** 2),
  /** ...staged rows upserted per transaction, and rejected rows kept for the report per import (all are counted). */
  IMPORT_BATCH_ROWS: z.coerce.number().int().min(100).max(100_000).default(5_000),
  IMPORT_MAX_REJECTIONS: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Requests per minute per API key (0 = no limit). Counted in PostgreSQL, so shared by every API replica. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(1_200),
  /** Requests per minute per client address to the paths that need no key (/health, /docs, /openapi.json; 0 = no limit). */
  RATE_LIMIT_UNAUTH_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(300),
  /** Failed authentications per client address per 15 minutes before the address is locked out until the window ends (0 = no limit). */
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(0).max(1_000_000).default(20),
  /**
   * Which proxies in front of the API to believe about the client address (X-Forwarded-For), as Express's
   * `trust proxy`: a hop count, or addresses / CIDRs / `loopback`, `linklocal`, `uniquelocal`, comma-separated.
   * Unset = none (the socket's address). `true` (trust anyone) is refused: any caller could pick its own address.
   */
  TRUST_PROXY: z
    .string()
    .refine((v) => /^\d+$/.test(v) || v.split(',').every((p) => isTrustedProxyEntry(p.trim())), 'must be a hop count or a comma-separated list of addresses, CIDRs, loopback, linklocal or uniquelocal')
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : v))
    .optional(),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)')
    .optional(),
  WEBHOOK_TASK_QUEUE: z.string().min(1).default('relay-webhooks'),
  /** Unset: none (`npm start` then allows this machine). Set, even to '' (allow nothing): exactly that. */
  WEBHOOK_ALLOWLIST: z.string().optional(),
  WEBHOOK_HTTPS_ONLY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Dispatcher workflows (each serves the endpoints whose id mod this count is its shard). */
  WEBHOOK_DISPATCHERS: z.coerce.number().int().min(1).max(64).default(2),
  WEBHOOK_DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(5_000).default(256),
  WEBHOOK_DISPATCH_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
  WEBHOOK_DISPATCH_PER_ENDPOINT: z.coerce.number().int().min(1).max(1_000).default(64),
  WEBHOOK_DISPATCH_POLL_MS: z.coerce.number().int().min(5).max(10_000).default(50),
  WEBHOOK_DISPATCH_BUDGET_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** How long a claimed delivery stays reserved: above the longest endpoint timeout (30 s) + a rate-limit wait (10 s). */
  WEBHOOK_DISPATCH_LEASE_MS: z.coerce.number().int().min(5_000).max(3_600_000).default(120_000),
  /** Consecutive failed attempts that open an endpoint's circuit breaker. */
  WEBHOOK_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
  /** Pending deliveries beyond which POST /webhooks/events answers 429 (0 = no limit). */
  WEBHOOK_MAX_BACKLOG: z.coerce.number().int().min(0).max(100_000_000).default(200_000),
  /** The retry delays in ms, comma-separated (default: the Svix schedule 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be delays in ms separated by commas, e.g. 5000,300000')
    .transform((v) => v.split(',').map(Number))
    .pipe(z.array(z.number().int().min(1).max(7 * 86_400_000)).min(1).max(20))
    .optional(),
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  INTEGRATION_TASK_QUEUE: z.string().min(1).default('relay-integrations'),
  INTEGRATION_PRIORITY_TASK_QUEUE: z.string().min(1).default('relay-integrations-priority'),
  INTEGRATION_SYNC_ALL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(360),
  INTEGRATION_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Which task queues this worker process serves (comma-separated); default all of them. */
  WORKER_QUEUES: z
    .string()
    .default('mailings,webhooks,integrations,integrations-priority')
    .transform((v) => v.split(',').map((q) => q.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['mailings', 'webhooks', 'integrations', 'integrations-priority'])).min(1, 'name at least one queue')),
  // The daily statistics e-mail (lib/reports/): a Schedule at REPORT_CRON in REPORT_TIMEZONE reports the day before.
  REPORT_CRON: z
    .string()
    .max(100)
    .regex(/^(\S+\s+){4}\S+$/, 'must be a 5-field cron expression, e.g. "30 5 * * *"')
    .refine((v) => {
      try {
        CronExpressionParser.parse(v);
        return true;
      } catch {
        return false;
      }
    }, 'is not a valid cron expression')
    .default('30 5 * * *'),
  REPORT_TIMEZONE: z.string().refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Moscow').default('UTC'),
  /** Send the report for a day on which nothing happened too. */
  REPORT_SEND_EMPTY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  REPORT_FROM: z
    .string()
    .max(320)
    .regex(/^([^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/, 'must be an address, or a name and an address: Relay <relay@example.com>')
    .default('Relay <relay@localhost>'),
  /** smtp://user:pass@host:port (smtps:// for TLS from the start); unset: reports are written to REPORT_OUTBOX_DIR. */
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  /** Where reports go without SMTP_URL, one .eml file each (default <DATA_DIR>/outbox). */
  REPORT_OUTBOX_DIR: z.string().min(1).optional(),
  /** Failure reasons listed per mailing in the report. */
  REPORT_TOP_REASONS: z.coerce.number().int().min(1).max(50).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Console sign-in (api/session/): sessions, and OIDC when OIDC_ISSUER_URL and OIDC_CLIENT_ID are set.
  /** The origin the console is reached at (https://relay.example.com); unset: taken from each request's Host. */
  CONSOLE_PUBLIC_URL: secureUrl('CONSOLE_PUBLIC_URL')
    .refine((v) => new URL(v).pathname === '/', 'must be an origin only, without a path (https://relay.example.com)')
    .optional(),
  /** A console session ends after this long without a request... */
  CONSOLE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /** ...and this long after sign-in in any case. */
  CONSOLE_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  OIDC_ISSUER_URL: secureUrl('the issuer').optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  /** Unset: a public client (PKCE only, token_endpoint_auth_method none). */
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_SCOPES: z
    .string()
    .default('openid email profile')
    .refine((v) => v.split(/\s+/).includes('openid'), 'must include openid'),
  /** Default `<public origin>/auth/oidc/callback`. */
  OIDC_REDIRECT_URL: secureUrl('OIDC_REDIRECT_URL').optional(),
  /** The claim holding the user's groups or roles; a dotted path reaches into objects (realm_access.roles). */
  OIDC_ROLE_CLAIM: z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path such as realm_access.roles').default('groups'),
  OIDC_ADMIN_VALUES: commaList(),
  OIDC_OPERATOR_VALUES: commaList(),
  OIDC_VIEWER_VALUES: commaList(),
  /** Only these e-mail domains may sign in (their e-mail verified by the issuer); empty: any. */
  OIDC_ALLOWED_EMAIL_DOMAINS: commaList().pipe(
    z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be domain names such as example.com, comma-separated').transform((d) => d.toLowerCase())),
  ),
}).superRefine((c, ctx) => {
  // Combinations: OIDC needs both the issuer and the client id, and a role for someone.
  const issue = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (c.OIDC_ISSUER_URL && !c.OIDC_CLIENT_ID) issue('OIDC_CLIENT_ID', 'is required when OIDC_ISSUER_URL is set');
  if (!c.OIDC_ISSUER_URL) {
    for (const variable of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL'] as const) {
      if (c[variable]) issue(variable, 'needs OIDC_ISSUER_URL');
    }
  }
  if (c.OIDC_ISSUER_URL && c.OIDC_ADMIN_VALUES.length + c.OIDC_OPERATOR_VALUES.length + c.OIDC_VIEWER_VALUES.length === 0) {
    issue('OIDC_ADMIN_VALUES', 'set OIDC_ADMIN_VALUES, OIDC_OPERATOR_VALUES or OIDC_VIEWER_VALUES: with none, nobody could sign in through OIDC');
  }
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Variables where an empty value is a value, not unset: `WEBHOOK_ALLOWLIST=''` means "allow nothing", and must not be
 * replaced by a default (as `npm start` does for an unset one).
 */
const EMPTY_IS_A_VALUE: ReadonlySet<string> = new Set(['WEBHOOK_ALLOWLIST']);

/** Parses the environment (empty strings count as unset, but for EMPTY_IS_A_VALUE). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && (value !== '' || EMPTY_IS_A_VALUE.has(key))) cleaned[key] = value;
  }
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  return parsed.data;
}

/** What `npm start` lets webhooks and integrations reach when WEBHOOK_ALLOWLIST is unset: this machine. */
export const DEV_WEBHOOK_ALLOWLIST = '127.0.0.1, ::1, localhost';
/** The allowlist under `npm start`: the variable when set, even to '' (nothing is allowed), else DEV_WEBHOOK_ALLOWLIST. */
export const devWebhookAllowlist = (config: Config): string => config.WEBHOOK_ALLOWLIST ?? DEV_WEBHOOK_ALLOWLIST;

/** Same as loadConfig but demands the variables a standalone process cannot default. */
export function requireSetting<K extends keyof Config>(config: Config, key: K): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null) throw new ConfigError([{ variable: key, message: 'is required' }]);
  return value as NonNullable<Config[K]>;
}

/** For entry points: the config, or null after printing what is wrong with it (and setting exit code 1). */
export function loadConfigForBoot(env: Record<string, string | undefined> = process.env): Config | null {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return null;
  }
}

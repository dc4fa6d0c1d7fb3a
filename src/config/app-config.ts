import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseRedisNodes, redisTarget, RedisTarget } from './redis-target.js';
import { loadDkimKey, type DkimKey } from './dkim-key.js';
import { APP_ROOT } from './paths.js';

export const HERALD_ROLES = ['all', 'api', 'worker'] as const;
export type HeraldRole = (typeof HERALD_ROLES)[number];

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.join(' or ')}` },
  );

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** Express's `trust proxy` setting: all, none, a hop count, or trusted addresses and CIDRs. */
export type TrustProxy = boolean | number | string[];

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY's value, or a message saying what is wrong with it. */
export function parseTrustProxy(raw: string): TrustProxy | string {
  const value = raw.trim();
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 10 ? hops : 'a hop count must be 0-10';
  }
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isProxyAddress(e));
  if (bad.length > 0)
    return `must be false, a hop count, or a comma-separated list of proxy addresses, CIDRs or ${PROXY_NAMES.join('/')} (not ${bad.map((b) => JSON.stringify(b)).join(', ')})`;
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const envSchema = z
  .object({
    DATABASE_URL: url(['postgres:', 'postgresql:']).default(
      'postgres://postgres@127.0.0.1:5432/herald',
    ),
    REDIS_URL: z
      .string()
      .default('redis://127.0.0.1:6379')
      .superRefine((value, ctx) => {
        if (/^rediss?\+cluster:\/\//.test(value)) {
          try {
            redisTarget(value);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: `cluster URL ${(err as Error).message}` });
          }
          return;
        }
        const single = url(['redis:', 'rediss:']).safeParse(value);
        if (!single.success)
          ctx.addIssue({
            code: 'custom',
            message:
              'must be a URL with scheme redis: or rediss:, or redis+cluster://host:port,host:port',
          });
      }),
    // Seed nodes of a Redis Cluster (host:port,host:port); REDIS_URL then gives only credentials and TLS.
    REDIS_CLUSTER_NODES: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => {
            try {
              parseRedisNodes(v);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'must be host:port,host:port' },
        )
        .optional(),
    ),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -')
      .default('herald'),
    SMTP_URL: optionalString.pipe(url(['smtp:', 'smtps:']).optional()),
    MAIL_FROM: z.string().default('Herald <security-notices@localhost>'),
    ADMIN_API_KEY: optionalString.pipe(
      z
        .string()
        .min(32, 'must be at least 32 characters (use a random value: openssl rand -hex 24)')
        .optional(),
    ),
    PORT: intFrom(3000, 0, 65535),
    // Where clients reach Herald (scheme, host, optional path prefix): the base of every absolute
    // URL Herald writes, such as the tenant feeds' links. Never taken from a request's Host header.
    PUBLIC_URL: optionalString.pipe(
      url(['http:', 'https:'])
        .refine((v) => {
          const u = URL.parse(v);
          // Not a URL at all is reported by url() already.
          return u === null || (!u.search && !u.hash && !u.username && !u.password);
        }, 'must have no query, fragment or credentials')
        .optional(),
    ),
    HOST: z.string().default('0.0.0.0'),
    HERALD_ROLE: z.enum(HERALD_ROLES).default('all'),
    DEFAULT_CONTRACTUAL_NOTICE_HOURS: intFrom(72, 1, 8760),
    DELIVERY_RETRY_BASE_MS: intFrom(30_000, 1, 86_400_000),
    DELIVERY_MAX_ATTEMPTS: intFrom(8, 1, 100),
    DELIVERY_LEASE_MS: intFrom(120_000, 500, 3_600_000),
    FANOUT_PAGE_SIZE: intFrom(1000, 10, 10_000),
    WORKER_LOCK_MS: intFrom(30_000, 500, 600_000),
    RECONCILE_INTERVAL_MS: intFrom(30_000, 100, 3_600_000),
    SMTP_POOL_SIZE: intFrom(5, 1, 100),
    // Processes that send where workers run: this one and DELIVERY_PROCESSES - 1 forked worker
    // processes (one core each; they share the work through Postgres claims).
    DELIVERY_PROCESSES: intFrom(2, 1, 16),
    // Set by Herald on the worker processes it forks (the parent's pid): they leave with it.
    HERALD_FORKED_BY: optionalString,
    SMTP_TIMEOUT_MS: intFrom(30_000, 100, 600_000),
    RULES_PATH: optionalString,
    TEMPLATES_DIR: z.string().default(resolve(APP_ROOT, 'templates')),
    OUTBOX_DIR: z.string().default(resolve(APP_ROOT, 'var/outbox')),
    APPROVALS_REQUIRED_CRITICAL: intFrom(1, 1, 5),
    ESCALATION_EMAIL: optionalString.pipe(z.email().optional()),
    DEADLINE_WATCH_INTERVAL_MS: intFrom(60_000, 100, 86_400_000),
    DEADLINE_WARN_FRACTION: z.coerce.number().gt(0).lt(1).default(0.25),
    RETENTION_DAYS: optionalString.pipe(
      z.coerce.number<string | undefined>().int().min(1).optional(),
    ),
    // The audit log's writable shards: concurrent appends each lock a free one.
    AUDIT_SHARDS: intFrom(32, 1, 1024),
    AUDIT_CHECKPOINT_INTERVAL_MS: intFrom(60_000, 100, 86_400_000),
    AUDIT_CHECKPOINT_KEY: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
    ),
    RATE_LIMIT_PER_MINUTE: intFrom(600, 1, 1_000_000),
    AUTH_FAILURES_PER_MINUTE: intFrom(20, 1, 100_000),
    PROVIDER_NAME: z.string().default('Herald demo cloud'),
    PROVIDER_CONTACT: z.string().default('security@localhost'),
    // What Express's `trust proxy` takes: false (the default: the peer's address is the
    // client's), a hop count, or the load balancers' addresses and CIDRs. `true` trusts every
    // X-Forwarded-For entry, so a client could pick its own address: kept for compatibility only.
    TRUST_PROXY: optionalString.transform((v, ctx): TrustProxy => {
      const parsed = parseTrustProxy(v ?? 'false');
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
    // When set, GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>".
    METRICS_TOKEN: optionalString.pipe(
      z.string().min(16, 'must be at least 16 characters (openssl rand -hex 24)').optional(),
    ),
    // Slow clients: whole headers within this, the whole request within that, idle keep-alive.
    HTTP_HEADERS_TIMEOUT_MS: intFrom(10_000, 1000, 600_000),
    HTTP_REQUEST_TIMEOUT_MS: intFrom(60_000, 1000, 3_600_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: intFrom(5000, 100, 600_000),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    LOG_FORMAT: z.enum(['json', 'text']).default('json'),
    // A worker serves /health and /metrics on PORT unless this is false.
    WORKER_HTTP: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    RUN_MIGRATIONS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    OIDC_ISSUER: optionalString.pipe(url(['http:', 'https:']).optional()),
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
    // IdP group=Herald role pairs, comma-separated: herald-comms=comms,herald-audit=auditor
    OIDC_ROLE_MAP: z
      .string()
      .default('')
      .refine(
        (v) =>
          v.trim() === '' ||
          v.split(',').every((pair) => /^[^=]+=(admin|comms|auditor|reporter)$/.test(pair.trim())),
        {
          message:
            'must be group=role pairs separated by commas; roles admin, comms, auditor, reporter',
        },
      ),
    CONSOLE_KEY_SIGN_IN: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    // VERP bounces (docs/bounces.md): the return-path domain, the signing key of its tokens
    // (unset: derived from ADMIN_API_KEY or AUDIT_CHECKPOINT_KEY), the inbound listener.
    BOUNCE_DOMAIN: optionalString.pipe(
      z
        .string()
        .regex(
          /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
          'must be a domain name',
        )
        .optional(),
    ),
    BOUNCE_SIGNING_KEY: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
    ),
    BOUNCE_SMTP_PORT: optionalString.pipe(
      z.coerce.number<string | undefined>().int().min(0).max(65535).optional(),
    ),
    BOUNCE_SMTP_HOST: z.string().default('127.0.0.1'),
    BOUNCE_MAX_BYTES: intFrom(256 * 1024, 1024, 10 * 1024 * 1024),
    DKIM_DOMAIN: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'must be a domain name')
        .optional(),
    ),
    DKIM_SELECTOR: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/, 'must be a DNS label (e.g. herald2026)')
        .optional(),
    ),
    DKIM_PRIVATE_KEY: optionalString,
    CONSOLE_IDLE_MINUTES: intFrom(30, 1, 1440),
    // Webhooks: plain http to loopback addresses (tests, local use); otherwise https to public addresses only.
    WEBHOOK_ALLOW_LOOPBACK: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    // After a rotation the previous secret keeps signing (beside the new one) this long.
    WEBHOOK_SECRET_OVERLAP_HOURS: intFrom(24, 0, 720),
    // An endpoint whose every call has failed for this long is disabled and its tenant told.
    WEBHOOK_DISABLE_AFTER_HOURS: intFrom(72, 1, 8760),
    WEBHOOK_TIMEOUT_MS: intFrom(10_000, 100, 120_000),
    // Seals the stored signing secrets (AES-256-GCM); unset, they are stored readable (a warning at boot).
    WEBHOOK_SECRET_KEY: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
    ),
    CONSOLE_SESSION_HOURS: intFrom(12, 1, 168),
    // The tenant portal: one-time sign-in links live this long; sessions as the console's.
    PORTAL_LINK_MINUTES: intFrom(15, 1, 1440),
    PORTAL_IDLE_MINUTES: intFrom(30, 1, 1440),
    PORTAL_SESSION_HOURS: intFrom(12, 1, 168),
    // Contact verification: a verified address is asked to re-confirm after this many days; a
    // verification link works this long; the sweep (new contacts, re-confirmations) runs this
    // often (0: never; edits in the portal still ask at once).
    CONTACT_RECONFIRM_DAYS: intFrom(180, 1, 3650),
    CONTACT_VERIFICATION_LINK_HOURS: intFrom(168, 1, 2160),
    CONTACT_SWEEP_INTERVAL_MS: intFrom(300_000, 0, 86_400_000).refine((v) => v === 0 || v >= 100, {
      message: 'must be 0 (off) or at least 100',
    }),
  })
  .refine((v) => v.HTTP_HEADERS_TIMEOUT_MS <= v.HTTP_REQUEST_TIMEOUT_MS, {
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
  });

export type AppConfigValues = z.infer<typeof envSchema>;

/** Every variable Herald reads (docker-compose.yml and the README are checked against it). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as Array<keyof AppConfigValues>;

export class ConfigError extends Error {}

/** The one place that reads process.env. Throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const oidcMissing = (['OIDC_CLIENT_ID', 'PUBLIC_URL'] as const).filter(
    (name) => parsed.data.OIDC_ISSUER && !parsed.data[name],
  );
  if (oidcMissing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  ${oidcMissing.map((n) => `${n}: is required with OIDC_ISSUER`).join('\n  ')}`,
    );
  }
  const dkimSet = DKIM_SETTINGS.filter((name) => parsed.data[name] !== undefined);
  if (dkimSet.length > 0 && dkimSet.length < DKIM_SETTINGS.length) {
    const missing = DKIM_SETTINGS.filter((name) => !dkimSet.includes(name));
    throw new ConfigError(
      `Invalid configuration:\n  ${missing.map((n) => `${n}: is required with ${dkimSet.join(' and ')}`).join('\n  ')}`,
    );
  }
  const config = new AppConfig(parsed.data, env);
  try {
    void config.dkim;
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${(err as Error).message}`);
  }
  if (config.values.BOUNCE_SMTP_PORT !== undefined && config.bounceSigningKey === null) {
    throw new ConfigError(
      'Invalid configuration:\n  BOUNCE_SIGNING_KEY: is required with BOUNCE_SMTP_PORT (or set ADMIN_API_KEY or AUDIT_CHECKPOINT_KEY to derive it from)',
    );
  }
  return config;
}

const DKIM_SETTINGS = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const;

/** Typed, validated configuration; injected by class. */
export class AppConfig {
  readonly values: Readonly<AppConfigValues>;
  /** The environment it was loaded from (a forked sender process is given the same one). */
  readonly source: Readonly<Record<string, string | undefined>>;
  constructor(values: AppConfigValues, source: NodeJS.ProcessEnv = {}) {
    this.values = Object.freeze({ ...values });
    this.source = Object.freeze({ ...source });
  }
  get<K extends keyof AppConfigValues>(key: K): AppConfigValues[K] {
    return this.values[key];
  }
  /** The domain of the Message-IDs Herald writes: MAIL_FROM's, or herald.local when it has no dot. */
  get messageIdDomain(): string {
    const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.values.MAIL_FROM)?.[1];
    return domain && domain.includes('.') ? domain : 'herald.local';
  }

  /** BOUNCE_DOMAIN, or the Message-ID domain (MAIL_FROM's) when unset. */
  get bounceDomain(): string {
    return this.values.BOUNCE_DOMAIN ?? this.messageIdDomain;
  }

  /**
   * The key that signs VERP tokens: BOUNCE_SIGNING_KEY, else one derived (HKDF-SHA256) from
   * ADMIN_API_KEY or AUDIT_CHECKPOINT_KEY, so every process of a deployment has the same one;
   * null when none of them is set.
   */
  get bounceSigningKey(): Buffer | null {
    const { BOUNCE_SIGNING_KEY, ADMIN_API_KEY, AUDIT_CHECKPOINT_KEY } = this.values;
    if (BOUNCE_SIGNING_KEY) return Buffer.from(BOUNCE_SIGNING_KEY, 'utf8');
    const base = ADMIN_API_KEY ?? AUDIT_CHECKPOINT_KEY;
    if (!base) return null;
    return Buffer.from(hkdfSync('sha256', base, 'herald', 'herald-verp-token-v1', 32));
  }

  /** The DKIM key when DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY are set (read once). */
  get dkim(): DkimKey | undefined {
    const { DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY } = this.values;
    if (!DKIM_DOMAIN || !DKIM_SELECTOR || !DKIM_PRIVATE_KEY) return undefined;
    this.dkimKey ??= loadDkimKey({
      domain: DKIM_DOMAIN,
      selector: DKIM_SELECTOR,
      privateKey: DKIM_PRIVATE_KEY,
    });
    return this.dkimKey;
  }
  private dkimKey: DkimKey | undefined;

  /** PUBLIC_URL without a trailing slash; unset: http://localhost:PORT. */
  get publicUrl(): string {
    const base = this.values.PUBLIC_URL ?? `http://localhost:${this.values.PORT}`;
    return base.replace(/\/+$/, '');
  }

  /** One Redis node or a cluster, from REDIS_URL and REDIS_CLUSTER_NODES. */
  get redis(): RedisTarget {
    return redisTarget(this.values.REDIS_URL, this.values.REDIS_CLUSTER_NODES);
  }
  get runsApi(): boolean {
    return this.values.HERALD_ROLE !== 'worker';
  }
  get runsWorkers(): boolean {
    return this.values.HERALD_ROLE !== 'api';
  }
}

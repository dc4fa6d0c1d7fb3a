import { resolve } from 'node:path';
import { z } from 'zod';
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

const envSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default(
    'postgres://postgres@127.0.0.1:5432/herald',
  ),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
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
  RATE_LIMIT_PER_MINUTE: intFrom(600, 1, 1_000_000),
  AUTH_FAILURES_PER_MINUTE: intFrom(20, 1, 100_000),
  PROVIDER_NAME: z.string().default('Herald demo cloud'),
  PROVIDER_CONTACT: z.string().default('security@localhost'),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
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
  return new AppConfig(parsed.data);
}

/** Typed, validated configuration; injected by class. */
export class AppConfig {
  readonly values: Readonly<AppConfigValues>;
  constructor(values: AppConfigValues) {
    this.values = Object.freeze({ ...values });
  }
  get<K extends keyof AppConfigValues>(key: K): AppConfigValues[K] {
    return this.values[key];
  }
  get runsApi(): boolean {
    return this.values.HERALD_ROLE !== 'worker';
  }
  get runsWorkers(): boolean {
    return this.values.HERALD_ROLE !== 'api';
  }
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/app-config.js';

interface ComposeService {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  command?: string[];
}

const compose = parse(readFileSync(resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const herald = compose.services.herald;
const env = herald.environment ?? {};

function hostPort(service: ComposeService, containerPort: number): number | undefined {
  const mapping = (service.ports ?? []).find((p) => p.endsWith(`:${containerPort}`));
  return mapping ? Number(mapping.split(':')[0]) : undefined;
}

describe('docker-compose.yml', () => {
  it('should define Postgres, Redis, Mailpit and Herald when parsed', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'herald',
      'mailpit',
      'postgres',
      'redis',
    ]);
    expect(herald.build).toBe('.');
    expect(Object.keys(herald.depends_on ?? {}).sort()).toEqual(['mailpit', 'postgres', 'redis']);
  });

  it('should give Herald only variables its configuration knows, and a configuration that validates', () => {
    for (const name of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(name);
    const config = loadConfig(env);
    expect(config.get('HERALD_ROLE')).toBe('all');
  });

  it('should point Herald at the services and ports the file defines', () => {
    const db = new URL(env.DATABASE_URL);
    expect(db.hostname).toBe('postgres');
    expect(Number(db.port)).toBe(5432);
    expect(db.username).toBe(compose.services.postgres.environment?.POSTGRES_USER);
    expect(db.password).toBe(compose.services.postgres.environment?.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${compose.services.postgres.environment?.POSTGRES_DB}`);
    expect(hostPort(compose.services.postgres, 5432)).toBe(5432);

    const redis = new URL(env.REDIS_URL);
    expect(redis.hostname).toBe('redis');
    expect(Number(redis.port)).toBe(6379);
    expect(compose.services.redis.command?.join(' ')).toContain('--maxmemory-policy noeviction');

    const smtp = new URL(env.SMTP_URL);
    expect(smtp.hostname).toBe('mailpit');
    expect(hostPort(compose.services.mailpit, Number(smtp.port))).toBe(1025);
    expect(hostPort(compose.services.mailpit, 8025)).toBe(8025);

    expect(hostPort(herald, Number(env.PORT))).toBe(3000);
  });

  it('should publish the port the Dockerfile exposes', () => {
    const dockerfile = readFileSync(resolve(__dirname, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${env.PORT}\\b`));
  });
});

describe('README configuration table', () => {
  it('should document every variable the configuration reads', () => {
    const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

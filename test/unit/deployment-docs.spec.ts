import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/app-config.js';

interface ComposeService {
  image?: string;
  build?: string;
  profiles?: string[];
  deploy?: { replicas?: number };
  configs?: Array<{ source: string; target: string }>;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  command?: string[];
}

// merge: the file shares the scale profile's environment with YAML merge keys (<<), as Compose does.
const compose = parse(readFileSync(resolve(__dirname, '../../docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string }>;
};
const herald = compose.services.herald;
const env = herald.environment ?? {};

function hostPort(service: ComposeService, containerPort: number): number | undefined {
  const mapping = (service.ports ?? []).find((p) => p.endsWith(`:${containerPort}`));
  return mapping ? Number(mapping.split(':')[0]) : undefined;
}

describe('docker-compose.yml', () => {
  it('should define Postgres, Redis, Mailpit and Herald when parsed', () => {
    const always = Object.entries(compose.services).filter(([, s]) => !s.profiles);
    expect(always.map(([name]) => name).sort()).toEqual(['herald', 'mailpit', 'postgres', 'redis']);
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

  it('should run two API and three worker processes behind one port in the scale profile', () => {
    const scale = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('scale'));
    expect(scale.map(([name]) => name).sort()).toEqual(['herald-api', 'herald-worker', 'proxy']);
    const { 'herald-api': api, 'herald-worker': worker, proxy } = compose.services;
    expect(api.deploy?.replicas).toBe(2);
    expect(worker.deploy?.replicas).toBe(3);
    for (const [service, role] of [
      [api, 'api'],
      [worker, 'worker'],
    ] as const) {
      const vars = service.environment ?? {};
      for (const name of Object.keys(vars)) expect(CONFIG_VARIABLES).toContain(name);
      const config = loadConfig(vars);
      expect(config.get('HERALD_ROLE')).toBe(role);
      expect(service.build).toBe('.');
      expect(service.ports).toBeUndefined(); // only the proxy publishes a port
      // The same database, Redis and queues as the all-in-one service.
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'ADMIN_API_KEY'])
        expect(vars[name]).toBe(env[name]);
    }
    expect(loadConfig(api.environment).get('TRUST_PROXY')).toBe(true);
    expect(Object.keys(proxy.depends_on ?? {}).sort()).toEqual(['herald-api', 'herald-worker']);
    expect(proxy.ports).toHaveLength(1);
    const published = Number((proxy.ports ?? [])[0].split(':')[1]);
    const conf = compose.configs?.[proxy.configs?.[0]?.source ?? '']?.content ?? '';
    expect(conf).toContain(`listen ${published};`);
    expect(conf).toContain(`server herald-api:${api.environment?.PORT};`);
    expect(conf).toContain('proxy_pass http://herald_api;');
  });

  it("should start Herald with the Dockerfile's node flags from npm run start:prod and in the bench", () => {
    // The heap limit keeps a sending process near 250 MB of RSS: without it, 405 and 309 MB
    // (docs/benchmarks.md, session 9). The README's start command and the image must agree.
    const dockerfile = readFileSync(resolve(__dirname, '../../Dockerfile'), 'utf8');
    const flags = /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile)?.[1];
    expect(flags).toBe('--max-old-space-size=512');
    const scripts = (
      JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['start:prod']).toBe(`node ${flags} dist/src/main.js`);
    const bench = readFileSync(resolve(__dirname, '../../scripts/bench.ts'), 'utf8');
    expect(bench).toContain(`const HERALD_NODE_FLAGS = '${flags}';`);
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

import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { QUEUES } from '../src/common/queues/queue-names.js';
import { AppConfig, loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { IncidentsService } from '../src/incidents/incidents.service.js';
import { createIncidentSchema } from '../src/incidents/dto/incident.dto.js';
import { countSeeded, inMailScope, SEED_TENANTS_SQL } from './resolve-bench-seed.js';

// Resolution at scale: seeds N tenants into a scratch database, posts one incident through the
// IncidentsService of a full Herald (HERALD_ROLE=all, so its own workers resolve it), and
// measures the wall time until the incident leaves `resolving` and the peak RSS of the process.
//   npm run build && node dist/scripts/resolve-bench.js --tenants 1000000
// Prints a `RESULT {json}` line; drops the scratch database and its queue keys at the end.

const mb = (bytes: number) => Math.round(bytes / 1_048_576);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseAt(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Removes every job and key of the bench's queues (its own prefix), once nothing runs on them. */
async function obliterateQueues(redisUrl: string, prefix: string): Promise<void> {
  for (const name of Object.values(QUEUES)) {
    const queue = new Queue(name, { prefix, connection: { url: redisUrl } });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenants: { type: 'string', default: '1000000' },
      'keep-db': { type: 'boolean', default: false },
    },
  });
  const tenants = Number(values.tenants);
  if (!Number.isInteger(tenants) || tenants < 1)
    throw new Error(`--tenants must be a positive whole number, got ${values.tenants}`);

  const base = loadConfig();
  const name = `herald_bench_${randomBytes(4).toString('hex')}`;
  const url = databaseAt(base.get('DATABASE_URL'), name);
  const admin = databaseAt(base.get('DATABASE_URL'), 'postgres');
  const config = new AppConfig({
    ...base.values,
    DATABASE_URL: url,
    HERALD_ROLE: 'all',
    QUEUE_PREFIX: `bench${randomBytes(4).toString('hex')}`,
    RUN_MIGRATIONS: false,
    // Measure resolution alone: the deadline watch (a maintenance job) scans the same rows.
    DEADLINE_WATCH_INTERVAL_MS: 86_400_000,
    ADMIN_API_KEY: undefined,
    SMTP_URL: undefined,
  });

  await withClient(admin, (c) => c.query(`CREATE DATABASE "${name}"`));
  const log = (msg: string) => process.stderr.write(`resolve-bench: ${msg}\n`);
  try {
    const ds = new DataSource(dataSourceOptions(url, { logging: ['error'] }));
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      const seeded = Date.now();
      await ds.query(SEED_TENANTS_SQL, [tenants]);
      await ds.query('ANALYZE tenants');
      log(`seeded ${tenants} tenants in ${Date.now() - seeded} ms`);
    } finally {
      await ds.destroy();
    }

    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: new ConsoleLogger('Herald', { logLevels: ['fatal', 'error', 'warn'] }),
    });
    try {
      const incidents = app.get(IncidentsService);
      global.gc?.();
      const baseRss = process.memoryUsage().rss;
      let peakRss = baseRss;
      let peakHeap = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 20);

      const started = Date.now();
      // Recent, so that no deadline has passed yet (nothing for the deadline watch to report).
      const awareAt = new Date(Math.floor(started / 1000) * 1000 - 10 * 60_000);
      const dto = createIncidentSchema.parse({
        externalId: `BENCH-${randomBytes(4).toString('hex')}`,
        title: 'Resolve bench',
        severity: 'high',
        phase: 'containment',
        awareAt: awareAt.toISOString(),
        description: 'Synthetic incident for the resolution bench.',
        dataImpact: { categories: ['personal'], description: 'Synthetic' },
        scope: { services: ['mail'] },
      });
      const { incident } = await incidents.create(dto, 'resolve-bench');
      let current = await incidents.get(incident.id);
      while (current.status === 'resolving') {
        await sleep(100);
        current = await incidents.get(incident.id);
      }
      const wallMs = Date.now() - started;
      clearInterval(sampler);

      const expected = countSeeded(tenants, inMailScope);
      // The earliest notice is the 24 contractual hours every third tenant has.
      const earliest = new Date(awareAt.getTime() + 24 * 3_600_000).toISOString();
      const correct =
        current.affectedTenantCount === expected &&
        current.earliestNoticeDueAt?.toISOString() === earliest;
      const result = {
        tenants,
        affected: current.affectedTenantCount,
        expectedAffected: expected,
        correct,
        wallMs,
        tenantsPerSecond: Math.round((tenants / wallMs) * 1000),
        baseRssMb: mb(baseRss),
        peakRssMb: mb(peakRss),
        peakHeapUsedMb: mb(peakHeap),
        node: process.version,
      };
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      if (!correct) process.exitCode = 1;
    } finally {
      await app.close();
    }
  } finally {
    await obliterateQueues(config.get('REDIS_URL'), config.get('QUEUE_PREFIX'));
    if (values['keep-db']) log(`kept database ${name}`);
    else await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `resolve-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});

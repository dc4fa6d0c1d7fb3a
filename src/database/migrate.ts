import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

// Several Herald processes may start at once: one applies the migrations, the others wait.
const MIGRATION_LOCK = 7_245_000;

/** Applies pending migrations under a session advisory lock; returns the names applied. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  // Two connections: one holds the lock, the other runs the migrations.
  const ds = new DataSource(
    dataSourceOptions(databaseUrl, { extra: { max: 2 }, logging: ['error'] }),
  );
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}

import { DataSource, MigrationExecutor } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

// Several Herald processes may start at once: one applies the migrations, the others wait.
const MIGRATION_LOCK = 7_245_000;

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock; returns
 * the names applied. Transaction-scoped, so it holds behind PgBouncer in transaction mode, where a
 * session lock would stay on whichever server connection took it. The processes that waited find
 * nothing left to apply; a failing migration rolls back the whole run.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const ds = new DataSource(
    dataSourceOptions(databaseUrl, { extra: { max: 1 }, logging: ['error'] }),
  );
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const executor = new MigrationExecutor(ds, runner);
      executor.transaction = 'none'; // already in ours
      const applied = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return applied.map((m) => m.name);
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}

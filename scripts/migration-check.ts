import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { BUILT_ENTITY_FILES, dataSourceOptions } from '../src/database/data-source-options.js';
import { createScratchDatabase } from './scratch-database.js';

// Applies every migration to a scratch database, then asks TypeORM what it would still change
// to match the entities. Anything at all means entities and migrations have drifted apart.
async function main(): Promise<void> {
  const scratch = await createScratchDatabase(loadConfig().get('DATABASE_URL'), 'drift');
  const ds = new DataSource(
    dataSourceOptions(scratch.url, { entities: BUILT_ENTITY_FILES, logging: false }),
  );
  let pending: string[] = [];
  try {
    await ds.initialize();
    // An empty glob would compare the schema with nothing and pass.
    if (ds.entityMetadatas.length === 0) throw new Error('no entities loaded from the build');
    await ds.runMigrations({ transaction: 'each' });
    const sql = await ds.driver.createSchemaBuilder().log();
    pending = sql.upQueries.map((q) => q.query);
    // Revert everything too: every down() must work.
    for (let i = 0; i < ds.migrations.length; i++)
      await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await scratch.drop();
  }
  if (pending.length > 0) {
    process.stderr.write(
      `Entities and migrations have drifted apart; a migration would need:\n${pending.map((q) => `  ${q};`).join('\n')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `migrations match the entities (${ds.migrations.length} migrations applied and reverted)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `migration check failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});

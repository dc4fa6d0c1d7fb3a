import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';
import { QueryLogger } from './query-logger.js';

export function dataSourceOptions(
  databaseUrl: string,
  extra: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    logging: ['error', 'warn'],
    // Never TypeORM's console logger: it prints query parameters (contacts, notice bodies).
    logger: new QueryLogger(),
    extra: { max: 20, application_name: 'herald' },
    ...extra,
  } as DataSourceOptions;
}

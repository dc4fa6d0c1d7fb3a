import { join, sep } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { QueryLogger } from './query-logger.js';

/**
 * Every entity file of the built tree (dist/src/<feature>/entities/*.entity.js), for the
 * TypeORM CLI and the migration drift check. The app itself loads each feature's entities
 * from its module (TypeOrmModule.forFeature, autoLoadEntities), so database/ imports no feature.
 */
export const BUILT_ENTITY_FILES = [
  join(import.meta.dirname, '..', '*', 'entities', '*.entity.js')
    .split(sep)
    .join('/'),
];

export function dataSourceOptions(
  databaseUrl: string,
  extra: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    // No entities by default: migrations and raw SQL need none (see BUILT_ENTITY_FILES).
    entities: [],
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

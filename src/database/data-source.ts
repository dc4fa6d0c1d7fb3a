import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { BUILT_ENTITY_FILES, dataSourceOptions } from './data-source-options.js';

// The TypeORM CLI's data source (migration:run, revert, generate). It exports exactly one.
export default new DataSource(
  dataSourceOptions(loadConfig().get('DATABASE_URL'), { entities: BUILT_ENTITY_FILES }),
);

import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { ClockSubscriber } from './clock-subscriber.js';
import { dataSourceOptions } from './data-source-options.js';
import { RedisService } from './redis.service.js';
import { UnitOfWork } from './unit-of-work.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        // Migrations run before the app is built (src/database/migrate.ts), under a lock.
        // Each feature module registers its own entities (TypeOrmModule.forFeature).
        ({ ...dataSourceOptions(config.get('DATABASE_URL')), autoLoadEntities: true }),
    }),
  ],
  providers: [UnitOfWork, RedisService, ClockSubscriber],
  exports: [UnitOfWork, RedisService],
})
export class DatabaseModule {}

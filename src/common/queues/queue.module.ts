import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { JobQueueService } from './job-queue.service.js';
import { queueConnection, queuePrefix } from './queue-connection.js';
import { QUEUES } from './queue-names.js';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: queueConnection(config),
        // Two Herald installations with different prefixes never see each other's jobs.
        prefix: queuePrefix(config),
      }),
    }),
    BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
  ],
  providers: [JobQueueService],
  exports: [JobQueueService, BullModule],
})
export class QueueModule {}

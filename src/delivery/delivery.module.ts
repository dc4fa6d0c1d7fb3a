import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveryRepository } from './delivery.repository.js';
import { DeliveryService } from './delivery.service.js';
import { FeedController } from './feed.controller.js';
import { FeedService } from './feed.service.js';
import { DeliveryWorker } from './jobs/delivery.worker.js';
import { MaintenanceProcessor } from './jobs/maintenance.processor.js';
import { MAILER, mailerProvider } from './mail/mailer.provider.js';

@Module({})
export class DeliveryModule {
  static register(options: { api: boolean; workers: boolean }): DynamicModule {
    return {
      module: DeliveryModule,
      imports: [AuditModule, IncidentsModule.register(options), NoticesModule.register(options), RegulationsModule, TenantsModule],
      controllers: options.api ? [DeliveriesController, FeedController] : [],
      providers: [
        DeliveryService,
        DeliveryRepository,
        FeedService,
        mailerProvider,
        ...(options.workers ? [DeliveryWorker, MaintenanceProcessor] : []),
      ],
      exports: [DeliveryService, DeliveryRepository, MAILER],
    };
  }
}

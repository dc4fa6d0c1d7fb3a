import { Module } from '@nestjs/common';
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
import { MAILER, mailerProvider } from './mail/mailer.provider.js';

@Module({
  imports: [AuditModule, IncidentsModule, NoticesModule, RegulationsModule, TenantsModule],
  controllers: [DeliveriesController, FeedController],
  providers: [DeliveryService, DeliveryRepository, FeedService, mailerProvider, DeliveryWorker],
  exports: [DeliveryService, DeliveryRepository, MAILER],
})
export class DeliveryModule {}

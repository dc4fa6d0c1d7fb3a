import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveryCompletion } from './delivery-completion.service.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DeliveryReconciler } from './delivery-reconciler.service.js';
import { DeliveryRecorder } from './delivery-recorder.service.js';
import { DeliverySender } from './delivery-sender.service.js';
import { DeliveryRepository } from './delivery.repository.js';
import { FanOutService } from './fan-out.service.js';
import { FeedController } from './feed.controller.js';
import { FeedService } from './feed.service.js';
import { FanOutProcessor } from './jobs/fan-out.processor.js';
import { NoticeContextCache } from './notice-context-cache.js';
import { SenderProcesses } from './sender-processes.js';

@Module({
  imports: [
    AuditModule,
    IncidentsModule,
    MailModule,
    NoticesModule,
    RegulationsModule,
    TenantsModule,
  ],
  controllers: [DeliveriesController, FeedController],
  providers: [
    DeliveryRepository,
    DeliveryCompletion,
    DeliveryRecorder,
    DeliverySender,
    DeliveryReconciler,
    DeliveryMetrics,
    FanOutService,
    FanOutProcessor,
    NoticeContextCache,
    SenderProcesses,
    FeedService,
  ],
  exports: [DeliveryReconciler, DeliveryRepository, FeedService],
})
export class DeliveryModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { BounceListener } from './bounces/bounce-listener.service.js';
import { BounceService } from './bounces/bounce.service.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveryCompletion } from './delivery-completion.service.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DeliveryReconciler } from './delivery-reconciler.service.js';
import { DeliveryRecorder } from './delivery-recorder.service.js';
import { DeliverySender } from './delivery-sender.service.js';
import { DeliveryRepository } from './delivery.repository.js';
import { DeliveriesService } from './deliveries.service.js';
import { FanOutService } from './fan-out.service.js';
import { FeedController } from './feed.controller.js';
import { FeedService } from './feed.service.js';
import { FeedPublisher } from './feed-publisher.service.js';
import { FanOutProcessor } from './jobs/fan-out.processor.js';
import { NoticeContextCache } from './notice-context-cache.js';
import { SenderProcesses } from './sender-processes.js';
import { WebhookSender } from './webhook-sender.service.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryEntity } from './entities/delivery.entity.js';
import { FeedPostEntity } from './entities/feed-post.entity.js';
import { FeedPostBodyEntity } from './entities/feed-post-body.entity.js';
import { NoticeFanoutEntity } from './entities/notice-fanout.entity.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      DeliveryEntity,
      FeedPostEntity,
      FeedPostBodyEntity,
      NoticeFanoutEntity,
    ]),
    AuditModule,
    IncidentsModule,
    MailModule,
    NoticesModule,
    RegulationsModule,
    TenantsModule,
    WebhooksModule,
  ],
  controllers: [DeliveriesController, FeedController],
  providers: [
    DeliveryRepository,
    BounceService,
    BounceListener,
    DeliveriesService,
    DeliveryCompletion,
    DeliveryRecorder,
    DeliverySender,
    DeliveryReconciler,
    DeliveryMetrics,
    FanOutService,
    FanOutProcessor,
    NoticeContextCache,
    SenderProcesses,
    WebhookSender,
    FeedService,
    FeedPublisher,
  ],
  exports: [DeliveryReconciler, DeliveriesService, FeedService],
})
export class DeliveryModule {}

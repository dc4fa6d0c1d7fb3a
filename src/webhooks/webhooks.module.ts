import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { WebhookAttemptEntity } from './entities/webhook-attempt.entity.js';
import { WebhookEndpointEntity } from './entities/webhook-endpoint.entity.js';
import { WebhookMessageEntity } from './entities/webhook-message.entity.js';
import { WebhookEventsService } from './webhook-events.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

/** Tenants' signed webhook endpoints: registration, rotation, the signed call, non-notice events. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookAttemptEntity, WebhookMessageEntity]),
    AuditModule,
    MailModule,
    TenantsModule,
  ],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookEventsService],
  exports: [WebhooksService, WebhookEventsService],
})
export class WebhooksModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { WebhookEventsService } from '../webhooks/webhook-events.service.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { ContactsController } from './contacts.controller.js';
import { ContactsRepository } from './contacts.repository.js';
import { CONTACT_EVENTS, ContactsService } from './contacts.service.js';
import { ContactSyncStateEntity } from './entities/contact-sync-state.entity.js';
import { ContactVerificationEntity } from './entities/contact-verification.entity.js';
import { ContactsProcessor } from './jobs/contacts.processor.js';

/**
 * Contact verification (its own table, keyed by tenant and address; the contacts stay on the
 * tenant). Each verification request is also published to the tenant's webhook endpoints
 * subscribed to `contacts.verification_needed` (CONTACT_EVENTS, bound to the webhooks feature).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ContactVerificationEntity, ContactSyncStateEntity]),
    AuditModule,
    MailModule,
    TenantsModule,
    WebhooksModule,
  ],
  controllers: [ContactsController],
  providers: [
    ContactsRepository,
    ContactsService,
    ContactsProcessor,
    { provide: CONTACT_EVENTS, useExisting: WebhookEventsService },
  ],
  exports: [ContactsService],
})
export class ContactsModule {}

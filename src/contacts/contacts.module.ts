import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ContactsController } from './contacts.controller.js';
import { ContactsRepository } from './contacts.repository.js';
import { ContactsService } from './contacts.service.js';
import { ContactsProcessor } from './jobs/contacts.processor.js';

/**
 * Contact verification (its own table, keyed by tenant and address; the contacts stay on the
 * tenant). ContactsService takes an optional CONTACT_EVENTS publisher: at merge, bind it to the
 * webhooks feature, e.g. `{ provide: CONTACT_EVENTS, useExisting: WebhookEventsService }` with
 * WebhooksModule imported here.
 */
@Module({
  imports: [AuditModule, MailModule, TenantsModule],
  controllers: [ContactsController],
  providers: [ContactsRepository, ContactsService, ContactsProcessor],
  exports: [ContactsService],
})
export class ContactsModule {}

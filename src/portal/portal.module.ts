import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SignInLinkEntity } from './entities/sign-in-link.entity.js';
import { TenantSessionEntity } from './entities/tenant-session.entity.js';
import { AcknowledgementsModule } from '../acknowledgements/acknowledgements.module.js';
import { ApiKeysModule } from '../api-keys/api-keys.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { MailModule } from '../mail/mail.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { PortalAssetsController } from './portal-assets.controller.js';
import { PortalAuthController } from './portal-auth.controller.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalViews } from './portal-views.service.js';
import { PortalController } from './portal.controller.js';
import { PortalGuard } from './portal.guard.js';
import { PortalWebhooksController } from './portal-webhooks.controller.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { SignInLinksService } from './sign-in-links.service.js';
import { TenantSessionsRepository } from './tenant-sessions.repository.js';
import { TenantSessionsService } from './tenant-sessions.service.js';

/** The tenant portal under /portal: a tenant's administrators, their notices, acknowledgements and contacts. */
@Module({
  imports: [
    TypeOrmModule.forFeature([TenantSessionEntity, SignInLinkEntity]),
    AcknowledgementsModule,
    ApiKeysModule,
    AuditModule,
    ContactsModule,
    DeliveryModule,
    MailModule,
    TenantsModule,
    WebhooksModule,
  ],
  controllers: [
    PortalAssetsController,
    PortalAuthController,
    PortalController,
    PortalWebhooksController,
  ],
  providers: [
    PortalViews,
    PortalGuard,
    PortalErrorFilter,
    SignInLinksService,
    TenantSessionsRepository,
    TenantSessionsService,
  ],
})
export class PortalModule {}

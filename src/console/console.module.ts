import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ComplianceModule } from '../compliance/compliance.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { ConsoleAssetsController } from './console-assets.controller.js';
import { ConsoleAuditorController } from './console-auditor.controller.js';
import { ConsoleAuthController } from './console-auth.controller.js';
import { ConsoleErrorFilter } from './console-error.filter.js';
import { ConsoleIncidentsController } from './console-incidents.controller.js';
import { ConsoleNoticesController } from './console-notices.controller.js';
import { ConsoleOperatorController } from './console-operator.controller.js';
import { ConsoleViews } from './console-views.service.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { ConsoleGuard } from './console.guard.js';
import { OidcService } from './oidc.service.js';
import { StaffSessionsRepository } from './staff-sessions.repository.js';
import { StaffSessionsService } from './staff-sessions.service.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StaffSessionEntity } from './entities/staff-session.entity.js';

/** The review console under /console: people sign in and work through the same services as the API. */
@Module({
  imports: [
    TypeOrmModule.forFeature([StaffSessionEntity]),
    ApiKeysModule,
    AuditModule,
    IncidentsModule,
    NoticesModule,
    DeliveryModule,
    ComplianceModule,
    WebhooksModule,
  ],
  controllers: [
    ConsoleAssetsController,
    ConsoleAuthController,
    ConsoleIncidentsController,
    ConsoleNoticesController,
    ConsoleAuditorController,
    ConsoleOperatorController,
  ],
  providers: [
    ConsoleViews,
    ConsoleGuard,
    ConsoleErrorFilter,
    OidcService,
    StaffSessionsRepository,
    StaffSessionsService,
  ],
})
export class ConsoleModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AcknowledgementsModule } from './acknowledgements/acknowledgements.module.js';
import { ApiKeyGuard } from './api-keys/api-key.guard.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { AuditModule } from './audit/audit.module.js';
import { ComplianceModule } from './compliance/compliance.module.js';
import { ContactsModule } from './contacts/contacts.module.js';
import { ConsoleModule } from './console/console.module.js';
import { Clock } from './common/clock/clock.js';
import { ClockModule } from './common/clock/clock.module.js';
import { IncidentFactsModule } from './common/facts/incident-facts.module.js';
import { MetricsModule } from './common/metrics/metrics.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import { QueueModule } from './common/queues/queue.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { HealthModule } from './health/health.module.js';
import { IncidentsModule } from './incidents/incidents.module.js';
import { NoticesModule } from './notices/notices.module.js';
import { PortalModule } from './portal/portal.module.js';
import { RegulationsModule } from './regulations/regulations.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/**
 * The whole of Herald. HERALD_ROLE decides what runs here: the HTTP API's routes
 * (api, all) and the queue workers (worker, all); health and metrics always.
 */
export interface AppOptions {
  /** Business time (tests pin or move it); the process clock by default. */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(options.clock),
        DatabaseModule,
        IncidentFactsModule,
        QueueModule,
        MetricsModule,
        HealthModule,
        AuditModule,
        ApiKeysModule,
        TenantsModule,
        RegulationsModule,
        IncidentsModule,
        NoticesModule,
        WebhooksModule,
        ContactsModule,
        DeliveryModule,
        AcknowledgementsModule,
        ComplianceModule,
        // The review console and the tenant portal are part of the HTTP API's process only.
        ...(config.runsApi ? [ConsoleModule, PortalModule] : []),
      ],
      providers: [
        { provide: APP_GUARD, useExisting: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}

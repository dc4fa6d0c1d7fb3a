import { Module } from '@nestjs/common';
import { AcknowledgementsModule } from '../acknowledgements/acknowledgements.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { MailModule } from '../mail/mail.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { ComplianceController } from './compliance.controller.js';
import { ComplianceRepository } from './compliance.repository.js';
import { ComplianceService } from './compliance.service.js';
import { DeadlineWatchRepository } from './deadline-watch.repository.js';
import { DeadlineWatchService } from './deadline-watch.service.js';
import { MaintenanceProcessor } from './jobs/maintenance.processor.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeadlineAlertEntity } from './entities/deadline-alert.entity.js';
import { EscalationMailEntity } from './entities/escalation-mail.entity.js';

/** Compliance reports, the deadline watch and retention: reads incidents, notices and deliveries. */
@Module({
  imports: [
    TypeOrmModule.forFeature([DeadlineAlertEntity, EscalationMailEntity]),
    AcknowledgementsModule,
    AuditModule,
    DeliveryModule,
    MailModule,
    RegulationsModule,
  ],
  controllers: [ComplianceController],
  providers: [
    ComplianceService,
    ComplianceRepository,
    DeadlineWatchService,
    DeadlineWatchRepository,
    RetentionService,
    RetentionRepository,
    MaintenanceProcessor,
  ],
  exports: [ComplianceService, DeadlineWatchService, RetentionService],
})
export class ComplianceModule {}

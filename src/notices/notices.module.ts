import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NoticesProcessor } from './jobs/notices.processor.js';
import { NoticeRenderingService } from './notice-rendering.service.js';
import { NoticesController } from './notices.controller.js';
import { NoticesRepository } from './notices.repository.js';
import { NoticesService } from './notices.service.js';
import { NoticeFactsReporter } from './incident-facts.reporter.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NoticeEntity } from './entities/notice.entity.js';
import { NoticeRevisionEntity } from './entities/notice-revision.entity.js';
import { NoticeApprovalEntity } from './entities/notice-approval.entity.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([NoticeEntity, NoticeRevisionEntity, NoticeApprovalEntity]),
    AuditModule,
    IncidentsModule,
    RegulationsModule,
    TenantsModule,
  ],
  controllers: [NoticesController],
  providers: [
    NoticesService,
    NoticesRepository,
    NoticeRenderingService,
    NoticesProcessor,
    NoticeFactsReporter,
  ],
  exports: [NoticesService, NoticeRenderingService],
})
export class NoticesModule {}

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

@Module({
  imports: [AuditModule, IncidentsModule, RegulationsModule, TenantsModule],
  controllers: [NoticesController],
  providers: [NoticesService, NoticesRepository, NoticeRenderingService, NoticesProcessor],
  exports: [NoticesService, NoticeRenderingService],
})
export class NoticesModule {}

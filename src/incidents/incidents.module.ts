import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { IncidentsController } from './incidents.controller.js';
import { IncidentsRepository } from './incidents.repository.js';
import { IncidentsService } from './incidents.service.js';
import { IncidentsProcessor } from './jobs/incidents.processor.js';

@Module({
  imports: [AuditModule, RegulationsModule, TenantsModule],
  controllers: [IncidentsController],
  providers: [IncidentsService, IncidentsRepository, IncidentsProcessor],
  exports: [IncidentsService],
})
export class IncidentsModule {}

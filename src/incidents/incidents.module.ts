import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { IncidentsController } from './incidents.controller.js';
import { IncidentsRepository } from './incidents.repository.js';
import { IncidentsService } from './incidents.service.js';
import { IncidentsProcessor } from './jobs/incidents.processor.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IncidentEntity } from './entities/incident.entity.js';
import { IncidentTenantEntity } from './entities/incident-tenant.entity.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([IncidentEntity, IncidentTenantEntity]),
    AuditModule,
    RegulationsModule,
    TenantsModule,
  ],
  controllers: [IncidentsController],
  providers: [IncidentsService, IncidentsRepository, IncidentsProcessor],
  exports: [IncidentsService],
})
export class IncidentsModule {}

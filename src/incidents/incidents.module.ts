import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { IncidentsController } from './incidents.controller.js';
import { IncidentsRepository } from './incidents.repository.js';
import { IncidentsService } from './incidents.service.js';
import { IncidentsProcessor } from './jobs/incidents.processor.js';

@Module({})
export class IncidentsModule {
  static register(options: { api: boolean; workers: boolean }): DynamicModule {
    return {
      module: IncidentsModule,
      imports: [AuditModule, RegulationsModule, TenantsModule],
      controllers: options.api ? [IncidentsController] : [],
      providers: [IncidentsService, IncidentsRepository, ...(options.workers ? [IncidentsProcessor] : [])],
      exports: [IncidentsService],
    };
  }
}

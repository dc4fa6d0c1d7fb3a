import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { RegulationsModule } from '../regulations/regulations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NoticesProcessor } from './jobs/notices.processor.js';
import { NoticeRenderingService } from './notice-rendering.service.js';
import { NoticesController } from './notices.controller.js';
import { NoticesRepository } from './notices.repository.js';
import { NoticesService } from './notices.service.js';

@Module({})
export class NoticesModule {
  static register(options: { api: boolean; workers: boolean }): DynamicModule {
    return {
      module: NoticesModule,
      imports: [AuditModule, IncidentsModule.register(options), RegulationsModule, TenantsModule],
      controllers: options.api ? [NoticesController] : [],
      providers: [NoticesService, NoticesRepository, NoticeRenderingService, ...(options.workers ? [NoticesProcessor] : [])],
      exports: [NoticesService, NoticeRenderingService],
    };
  }
}

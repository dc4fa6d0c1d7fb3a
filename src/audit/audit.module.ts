import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventEntity } from './entities/audit-event.entity.js';
import { AuditShardEntity } from './entities/audit-shard.entity.js';
import { AuditCheckpointEntity } from './entities/audit-checkpoint.entity.js';

@Module({
  // This feature's tables: registered here, loaded by the data source (autoLoadEntities).
  imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditShardEntity, AuditCheckpointEntity])],
  controllers: [AuditController],
  providers: [AuditService, AuditRepository],
  exports: [AuditService],
})
export class AuditModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AcknowledgementEntity } from './entities/acknowledgement.entity.js';
import { AuditModule } from '../audit/audit.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { AcknowledgementsController } from './acknowledgements.controller.js';
import { AcknowledgementsRepository } from './acknowledgements.repository.js';
import { AcknowledgementsService } from './acknowledgements.service.js';

/** Who acknowledged which notice, and when: above delivery (it asks what was sent), below compliance. */
@Module({
  imports: [TypeOrmModule.forFeature([AcknowledgementEntity]), AuditModule, DeliveryModule],
  controllers: [AcknowledgementsController],
  providers: [AcknowledgementsRepository, AcknowledgementsService],
  exports: [AcknowledgementsService],
})
export class AcknowledgementsModule {}

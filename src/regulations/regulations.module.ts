import { Module } from '@nestjs/common';
import { RegulationsController } from './regulations.controller.js';
import { RegulationsService } from './regulations.service.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RuleSetEntity } from './entities/rule-set.entity.js';

@Module({
  // This feature's tables: registered here, loaded by the data source (autoLoadEntities).
  imports: [TypeOrmModule.forFeature([RuleSetEntity])],
  controllers: [RegulationsController],
  providers: [RegulationsService],
  exports: [RegulationsService],
})
export class RegulationsModule {}

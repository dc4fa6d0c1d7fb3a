import { DynamicModule, Module } from '@nestjs/common';
import { RegulationsController } from './regulations.controller.js';
import { RegulationsService } from './regulations.service.js';

@Module({
  providers: [RegulationsService],
  exports: [RegulationsService],
})
export class RegulationsModule {
  static register(options: { api: boolean }): DynamicModule {
    return { module: RegulationsModule, controllers: options.api ? [RegulationsController] : [] };
  }
}

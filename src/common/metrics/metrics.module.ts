import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';
import { QueueMetrics } from './queue-metrics.js';

@Global()
@Module({ providers: [MetricsService, QueueMetrics], exports: [MetricsService] })
export class MetricsModule {}

import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/principal.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { ApiPublic, ApiRawResponse, ApiZodResponse } from '../common/openapi.js';
import { liveSchema, readySchema } from './dto/health-response.dto.js';
import { RedisService } from '../database/redis.service.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  @ApiPublic()
  @ApiZodResponse(200, liveSchema, { description: 'Up', example: { status: 'ok' } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Public()
  @ApiOperation({ summary: 'Ready only when Postgres and Redis answer (503 otherwise)' })
  @ApiPublic()
  @ApiZodResponse(200, readySchema, {
    description: 'Postgres and Redis answer',
    example: { status: 'ok', checks: { postgres: 'up', redis: 'up' } },
  })
  @ApiZodResponse(503, readySchema, {
    description: 'Postgres or Redis does not answer',
    example: { status: 'unavailable', checks: { postgres: 'up', redis: 'down' } },
  })
  async ready(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: string; checks: Record<string, 'up' | 'down'> }> {
    const [postgres, redis] = await Promise.all([
      this.dataSource
        .query('SELECT 1')
        .then(() => 'up' as const)
        .catch(() => 'down' as const),
      this.redis.ping().then((ok) => (ok ? ('up' as const) : ('down' as const))),
    ]);
    const ok = postgres === 'up' && redis === 'up';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }

  @Get('metrics')
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiPublic()
  @ApiRawResponse(200, {
    contentType: 'text/plain; version=0.0.4',
    description: 'Every Herald metric (docs/operations.md)',
    example:
      '# HELP herald_tenants_notice_overdue …\n# TYPE herald_tenants_notice_overdue gauge\nherald_tenants_notice_overdue 0\n',
  })
  @Header('Cache-Control', 'no-store')
  async prometheus(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}

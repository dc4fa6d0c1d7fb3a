import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/principal.js';
import { DomainError } from '../common/errors.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.js';
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
    config: AppConfig,
  ) {
    this.metricsToken = config.get('METRICS_TOKEN');
  }

  private readonly metricsToken: string | undefined;

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
  async prometheus(@Req() req: Request, @Res() res: Response): Promise<void> {
    // METRICS_TOKEN set: a scrape is a bearer of that token (the API keys' limits do not apply).
    if (this.metricsToken && !bearerMatches(req.headers.authorization, this.metricsToken)) {
      throw new DomainError(
        'unauthorized',
        'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>"',
        undefined,
        { 'WWW-Authenticate': 'Bearer realm="herald-metrics"' },
      );
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}

/** Whether `header` is "Bearer <token>", compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
  if (!presented) return false;
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(token));
}

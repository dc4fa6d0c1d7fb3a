import { Controller, Get, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { percent } from '../common/web/views.js';
import { Public } from '../common/auth/principal.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { localTime } from './domain/portal-format.js';
import type { TenantSessionEntity } from './entities/tenant-session.entity.js';
import { TenantSession } from './portal-auth.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalViews } from './portal-views.service.js';
import { PortalGuard } from './portal.guard.js';

/**
 * The tenant's webhook endpoints as its administrators read them: where notices are pushed,
 * whether the endpoint is healthy (its success rate and recent calls over 24 hours), and
 * whether Herald disabled it. Registering and rotating stay in the API (the secret is shown once).
 */
@ApiExcludeController()
@Public()
@UseGuards(PortalGuard)
@UseFilters(PortalErrorFilter)
@Controller('portal/webhooks')
export class PortalWebhooksController {
  constructor(
    private readonly views: PortalViews,
    private readonly tenants: TenantsService,
    private readonly webhooks: WebhooksService,
  ) {}

  @Get()
  async page(@TenantSession() session: TenantSessionEntity, @Res() res: Response): Promise<void> {
    const tenant = await this.tenants.get(session.tenantId);
    const at = (d: string | null) => (d ? localTime(d, tenant.locale, tenant.timeZone) : null);
    const endpoints = (await this.webhooks.list(tenant.id)).map((w) => ({
      id: w.id,
      url: w.url,
      events: w.events.join(', '),
      createdAt: at(w.createdAt),
      disabledAt: at(w.disabledAt),
      disabledReason: w.disabledReason,
      failingSince: at(w.failingSince),
      lastSuccessAt: at(w.lastSuccessAt),
      attempts: w.stats.attempts24h,
      succeeded: w.stats.succeeded24h,
      successRate: percent(w.stats.successRate24h),
      recent: w.stats.recent.map((a) => ({ ...a, attemptedAt: at(a.attemptedAt) })),
    }));
    res
      .type('text/html')
      .send(
        this.views.page(
          'webhooks',
          { endpoints, tenant },
          { title: 'Webhooks', session, tenantName: tenant.name, section: 'webhooks' },
        ),
      );
  }
}

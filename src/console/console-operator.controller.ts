import { Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { createApiKeySchema } from '../api-keys/dto/create-api-key.dto.js';
import { percent } from '../common/web/views.js';
import { Public, ROLES } from '../common/auth/principal.js';
import { parseOrThrow, parseUuid } from '../common/validation.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { type ConsoleRequest, ConsoleRoles, Staff } from './console-auth.js';
import { ConsoleErrorFilter } from './console-error.filter.js';
import { ConsoleGuard } from './console.guard.js';
import { ConsoleViews } from './console-views.service.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

const SHOWN = 200;

/** The operator's page: API keys, created (the secret shown once) and revoked. Admins only. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Controller('console/operator')
export class ConsoleOperatorController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly keys: ApiKeysService,
    private readonly webhooks: WebhooksService,
  ) {}

  private async render(
    res: Response,
    staff: StaffSessionEntity,
    created?: { name: string; key: string },
  ): Promise<void> {
    const page = await this.keys.list(SHOWN);
    res
      .type('text/html')
      .send(
        this.views.page(
          'operator',
          { keys: page.items, more: page.nextCursor !== null, created, roles: ROLES },
          { title: 'API keys', staff, section: 'operator' },
        ),
      );
  }

  /** Tenants' webhook endpoints: failing and disabled ones first, each with its last day's calls. */
  @Get('webhooks')
  @ConsoleRoles('admin')
  async webhookEndpoints(@Staff() staff: StaffSessionEntity, @Res() res: Response): Promise<void> {
    const endpoints = (await this.webhooks.overview(SHOWN)).map((w) => ({
      ...w,
      events: w.events.join(', '),
      successRate: percent(w.stats.successRate24h),
      lastCall: w.stats.recent[0] ?? null,
    }));
    res
      .type('text/html')
      .send(
        this.views.page(
          'operator-webhooks',
          { endpoints, capped: endpoints.length === SHOWN },
          { title: 'Webhook endpoints', staff, section: 'operator' },
        ),
      );
  }

  @Get()
  @ConsoleRoles('admin')
  async list(@Staff() staff: StaffSessionEntity, @Res() res: Response): Promise<void> {
    await this.render(res, staff);
  }

  @Post('keys')
  @ConsoleRoles('admin')
  async create(
    @Req() req: ConsoleRequest,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const body = req.body ?? {};
    const roles =
      body.roles === undefined ? [] : Array.isArray(body.roles) ? body.roles : [body.roles];
    const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
    // <input type="datetime-local"> sends local wall-clock time without a zone: read as UTC (labelled so).
    const expires = text(body.expiresAt);
    const expiresAt =
      expires && !Number.isNaN(Date.parse(`${expires}Z`))
        ? new Date(`${expires}Z`).toISOString()
        : expires;
    // The API's own schema: the same rules for a key made here as through POST /v1/api-keys.
    const dto = parseOrThrow(createApiKeySchema, {
      name: body.name,
      roles,
      ...(text(body.tenantId) ? { tenantId: text(body.tenantId) } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    });
    const created = await this.keys.create(dto, staff.actor);
    // Shown once, on this answer only: never cached.
    res.setHeader('Cache-Control', 'no-store');
    await this.render(res, staff, { name: created.name, key: created.key });
  }

  @Post('keys/:id/revoke')
  @ConsoleRoles('admin')
  async revoke(
    @Param('id') id: string,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    await this.keys.revoke(parseUuid(id), staff.actor);
    res.redirect(303, '/console/operator');
  }
}

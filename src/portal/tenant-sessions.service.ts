import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { SessionPolicy } from '../common/domain/session-policy.js';
import { newSession } from '../common/web/browser-sessions.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { TenantSessionEntity } from './entities/tenant-session.entity.js';
import { TenantSessionsRepository } from './tenant-sessions.repository.js';

/** Who signs in to the portal: a notice contact by a one-time link, or a tenant key. */
export interface TenantIdentity {
  tenantId: string;
  actor: string;
  subject: string;
  displayName: string;
  method: 'link' | 'api-key';
  apiKeyId: string | null;
}

@Injectable()
export class TenantSessionsService {
  readonly policy: SessionPolicy;

  constructor(
    private readonly repository: TenantSessionsRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.policy = {
      idleMs: config.get('PORTAL_IDLE_MINUTES') * 60_000,
      absoluteMs: config.get('PORTAL_SESSION_HOURS') * 3_600_000,
    };
  }

  /** A new session (inside the caller's transaction when given); the token goes into the cookie and is never stored. */
  async start(
    identity: TenantIdentity,
    manager?: EntityManager,
  ): Promise<{ token: string; session: TenantSessionEntity }> {
    const { token, row } = newSession(this.clock.now(), this.policy);
    const work = async (m: EntityManager) => {
      const saved = await this.repository.insert(
        m,
        Object.assign(new TenantSessionEntity(), { ...row, ...identity }),
      );
      await this.audit.append(m, [
        {
          actor: identity.actor,
          action: 'tenant-admin.signed-in',
          entityType: 'tenant-session',
          entityId: saved.id,
          change: {
            tenantId: identity.tenantId,
            subject: identity.subject,
            displayName: identity.displayName,
            method: identity.method,
            ...(identity.apiKeyId ? { apiKeyId: identity.apiKeyId } : {}),
          },
        },
      ]);
      return saved;
    };
    const session = manager ? await work(manager) : await this.uow.run(work);
    return { token, session };
  }

  /** The live session for a cookie's token, or null (unknown, signed out, idle, expired, key revoked). */
  authenticate(token: string): Promise<TenantSessionEntity | null> {
    return this.repository.authenticate(token, this.clock.now(), this.policy);
  }

  /** Sign-out: revoked server-side, so a copied cookie stops working too. */
  async end(session: TenantSessionEntity): Promise<void> {
    await this.uow.run(async (manager) => {
      if (!(await this.repository.revoke(manager, session.id, this.clock.now()))) return;
      await this.audit.append(manager, [
        {
          actor: session.actor,
          action: 'tenant-admin.signed-out',
          entityType: 'tenant-session',
          entityId: session.id,
          change: { tenantId: session.tenantId, displayName: session.displayName },
        },
      ]);
    });
  }
}

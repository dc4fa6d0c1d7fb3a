import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { expiries, SessionPolicy } from '../common/domain/session-policy.js';
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

// Written only when a session was last seen this long ago: not one UPDATE per request.
const TOUCH_AFTER_MS = 15_000;

export const secretHash = (token: string): Buffer => createHash('sha256').update(token).digest();

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
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const work = async (m: EntityManager) => {
      const saved = await this.repository.insert(
        m,
        Object.assign(new TenantSessionEntity(), {
          tokenSha256: secretHash(token),
          csrfToken: randomBytes(32).toString('base64url'),
          ...identity,
          createdAt: now,
          lastSeenAt: now,
          ...expiries(now, this.policy, now),
          revokedAt: null,
        }),
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
  async authenticate(token: string): Promise<TenantSessionEntity | null> {
    if (token.length < 20 || token.length > 100) return null;
    const now = this.clock.now();
    const session = await this.repository.findLive(secretHash(token), now);
    if (!session) return null;
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_AFTER_MS) {
      const { idleExpiresAt } = expiries(session.createdAt, this.policy, now);
      await this.repository.touch(session.id, now, idleExpiresAt);
      session.lastSeenAt = now;
      session.idleExpiresAt = idleExpiresAt;
    }
    return session;
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

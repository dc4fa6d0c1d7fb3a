import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { expiries, SessionPolicy } from '../common/domain/session-policy.js';
import { StaffSessionEntity } from './entities/staff-session.entity.js';
import { StaffSessionsRepository } from './staff-sessions.repository.js';

/** Who signs in: a person from the IdP, or a machine with an API key. */
export interface StaffIdentity {
  actor: string;
  subject: string;
  displayName: string;
  roles: string[];
  method: 'oidc' | 'api-key';
  apiKeyId: string | null;
}

// Written only when a session was last seen this long ago: not one UPDATE per request.
const TOUCH_AFTER_MS = 15_000;

const tokenHash = (token: string): Buffer => createHash('sha256').update(token).digest();

@Injectable()
export class StaffSessionsService {
  readonly policy: SessionPolicy;

  constructor(
    private readonly repository: StaffSessionsRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.policy = {
      idleMs: config.get('CONSOLE_IDLE_MINUTES') * 60_000,
      absoluteMs: config.get('CONSOLE_SESSION_HOURS') * 3_600_000,
    };
  }

  /** A new session; the returned token goes into the cookie and is never stored. */
  async start(identity: StaffIdentity): Promise<{ token: string; session: StaffSessionEntity }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session = await this.uow.run(async (manager) => {
      const saved = await this.repository.insert(
        manager,
        Object.assign(new StaffSessionEntity(), {
          tokenSha256: tokenHash(token),
          csrfToken: randomBytes(32).toString('base64url'),
          ...identity,
          createdAt: now,
          lastSeenAt: now,
          ...expiries(now, this.policy, now),
          revokedAt: null,
        }),
      );
      await this.audit.append(manager, [
        {
          actor: identity.actor,
          action: 'staff.signed-in',
          entityType: 'staff-session',
          entityId: saved.id,
          change: {
            subject: identity.subject,
            displayName: identity.displayName,
            roles: identity.roles,
            method: identity.method,
            ...(identity.apiKeyId ? { apiKeyId: identity.apiKeyId } : {}),
          },
        },
      ]);
      return saved;
    });
    return { token, session };
  }

  /** The live session for a cookie's token, or null (unknown, signed out, idle, expired, key revoked). */
  async authenticate(token: string): Promise<StaffSessionEntity | null> {
    if (token.length < 20 || token.length > 100) return null;
    const now = this.clock.now();
    const session = await this.repository.findLive(tokenHash(token), now);
    if (!session) return null;
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_AFTER_MS) {
      const { idleExpiresAt } = expiries(session.createdAt, this.policy, now);
      await this.repository.touch(session.id, now, idleExpiresAt);
      session.lastSeenAt = now;
      session.idleExpiresAt = idleExpiresAt;
    }
    return session;
  }

  /** Sign-out: the session is revoked server-side, so a copied cookie stops working too. */
  async end(session: StaffSessionEntity): Promise<void> {
    await this.uow.run(async (manager) => {
      if (!(await this.repository.revoke(manager, session.id, this.clock.now()))) return;
      await this.audit.append(manager, [
        {
          actor: session.actor,
          action: 'staff.signed-out',
          entityType: 'staff-session',
          entityId: session.id,
          change: { displayName: session.displayName },
        },
      ]);
    });
  }
}

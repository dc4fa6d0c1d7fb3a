import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { SessionPolicy } from '../common/domain/session-policy.js';
import { newSession } from '../common/web/browser-sessions.js';
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
  /** Single sign-on: the ID token, to end the IdP's session too on sign-out. */
  idToken?: string | null;
}

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
    const { token, row } = newSession(this.clock.now(), this.policy);
    const session = await this.uow.run(async (manager) => {
      const saved = await this.repository.insert(
        manager,
        Object.assign(new StaffSessionEntity(), { ...row, ...identity }),
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
  authenticate(token: string): Promise<StaffSessionEntity | null> {
    return this.repository.authenticate(token, this.clock.now(), this.policy);
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

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { BrowserSessionStore } from '../common/web/browser-sessions.js';
import { SignInLinkEntity } from './entities/sign-in-link.entity.js';
import { TenantSessionEntity } from './entities/tenant-session.entity.js';

/** Portal sessions (as the console's) and the one-time sign-in links that open them. */
@Injectable()
export class TenantSessionsRepository extends BrowserSessionStore<TenantSessionEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, 'tenant_sessions', TenantSessionEntity);
  }

  async insertLink(manager: EntityManager, link: Omit<SignInLinkEntity, 'id'>): Promise<void> {
    await manager.insert(SignInLinkEntity, link);
  }

  /**
   * Uses the link once: one UPDATE decides, so two clicks at once make one session. A token for
   * another tenant, a used or an expired one matches nothing (and a wrong tenant does not use it up).
   */
  async consumeLink(
    manager: EntityManager,
    tokenSha256: Buffer,
    tenantId: string,
    now: Date,
  ): Promise<{ id: string; email: string } | null> {
    const [rows]: [Array<{ id: string; email: string }>, number] = await manager.query(
      `UPDATE portal_sign_in_links SET used_at = $3
        WHERE token_sha256 = $1 AND tenant_id = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING id, email`,
      [tokenSha256, tenantId, now],
    );
    return rows[0] ?? null;
  }
}

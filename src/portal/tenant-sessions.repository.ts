import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SignInLinkEntity } from './entities/sign-in-link.entity.js';
import { TenantSessionEntity } from './entities/tenant-session.entity.js';

@Injectable()
export class TenantSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(manager: EntityManager, session: TenantSessionEntity): Promise<TenantSessionEntity> {
    return manager.save(TenantSessionEntity, session);
  }

  /** The live session for a token hash at `now`; one opened with an API key ends with that key. */
  async findLive(tokenSha256: Buffer, now: Date): Promise<TenantSessionEntity | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT s.id FROM tenant_sessions s
         LEFT JOIN api_keys k ON k.id = s.api_key_id
        WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL
          AND s.idle_expires_at > $2 AND s.expires_at > $2
          AND (s.api_key_id IS NULL OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)))`,
      [tokenSha256, now],
    );
    if (!rows[0]) return null;
    return this.dataSource.manager.findOneBy(TenantSessionEntity, { id: rows[0].id });
  }

  async touch(id: string, now: Date, idleExpiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE tenant_sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1 AND revoked_at IS NULL`,
      [id, now, idleExpiresAt],
    );
  }

  /** Ends the session; false when it had already ended. */
  async revoke(manager: EntityManager, id: string, now: Date): Promise<boolean> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE tenant_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, now],
    );
    return result[1] > 0;
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

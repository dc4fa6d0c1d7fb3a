import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { StaffSessionEntity } from './entities/staff-session.entity.js';

@Injectable()
export class StaffSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(manager: EntityManager, session: StaffSessionEntity): Promise<StaffSessionEntity> {
    return manager.save(StaffSessionEntity, session);
  }

  /**
   * The live session for a token hash at `now`. A session opened with an API key ends when that
   * key is revoked or expires: the join asks the key's row on every request.
   */
  async findLive(tokenSha256: Buffer, now: Date): Promise<StaffSessionEntity | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT s.id FROM staff_sessions s
         LEFT JOIN api_keys k ON k.id = s.api_key_id
        WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL
          AND s.idle_expires_at > $2 AND s.expires_at > $2
          AND (s.api_key_id IS NULL OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)))`,
      [tokenSha256, now],
    );
    if (!rows[0]) return null;
    return this.dataSource.manager.findOneBy(StaffSessionEntity, { id: rows[0].id });
  }

  async touch(id: string, now: Date, idleExpiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE staff_sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1 AND revoked_at IS NULL`,
      [id, now, idleExpiresAt],
    );
  }

  /** Ends the session; false when it had already ended. */
  async revoke(manager: EntityManager, id: string, now: Date): Promise<boolean> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE staff_sessions SET revoked_at = $2, id_token = NULL WHERE id = $1 AND revoked_at IS NULL`,
      [id, now],
    );
    return result[1] > 0;
  }
}

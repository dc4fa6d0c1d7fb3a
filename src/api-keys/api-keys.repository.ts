import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { CreatedKey, pageByCreated } from '../database/keyset.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Live keys with this prefix (normally one). */
  findActiveByPrefix(prefix: string): Promise<ApiKeyEntity[]> {
    return this.dataSource.manager.find(ApiKeyEntity, { where: { prefix, revokedAt: IsNull() } });
  }

  findById(manager: EntityManager, id: string): Promise<ApiKeyEntity | null> {
    return manager.findOne(ApiKeyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Every live key installed from ADMIN_API_KEY (one, unless an older release left more), locked. */
  findLiveBootstrap(manager: EntityManager): Promise<ApiKeyEntity[]> {
    return manager.find(ApiKeyEntity, {
      where: { bootstrap: true, revokedAt: IsNull() },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Oldest first (keyset on creation time and id). */
  listPage(limit: number, after?: CreatedKey): Promise<ApiKeyEntity[]> {
    const qb = this.dataSource.manager.createQueryBuilder(ApiKeyEntity, 'k');
    return pageByCreated(qb, 'k', 'ASC', limit, after).getMany();
  }

  save(manager: EntityManager, key: ApiKeyEntity): Promise<ApiKeyEntity> {
    return manager.save(ApiKeyEntity, key);
  }

  async touch(id: string, now: Date): Promise<void> {
    // Once a minute at most: last_used_at is informational, not worth a write per request.
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, now],
    );
  }
}

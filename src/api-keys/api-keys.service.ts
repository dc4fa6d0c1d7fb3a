import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AuditEventInput, AuditService } from '../audit/audit.service.js';
import { Principal, Role } from '../common/auth/principal.js';
import { Clock } from '../common/clock/clock.js';
import { invalid, notFound } from '../common/errors.js';
import { Page, toPage } from '../common/pagination.js';
import { AppConfig } from '../config/app-config.js';
import { createdKeyOf, type CreatedKey } from '../database/keyset.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import {
  BOOTSTRAP_ADMIN_NAME,
  generateApiKey,
  hashApiKey,
  keyPrefix,
  sameHash,
} from './domain/api-key-secret.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

export interface ApiKeyView {
  id: string;
  name: string;
  roles: Role[];
  tenantId: string | null;
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

function toView(k: ApiKeyEntity): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    roles: k.roles as Role[],
    tenantId: k.tenantId,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    createdBy: k.createdBy,
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * The first admin comes from ADMIN_API_KEY. A changed value revokes every key installed from
   * an earlier one (found by their flag: a name proves nothing) and installs the new one.
   */
  async onApplicationBootstrap(): Promise<void> {
    const key = this.config.get('ADMIN_API_KEY');
    if (!key || !this.config.runsApi) return;
    const hash = hashApiKey(key);
    await this.uow.run(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(7245002)');
      const live = await this.repository.findLiveBootstrap(manager);
      const current = live.find((k) => sameHash(k.secretSha256, hash));
      const events: AuditEventInput[] = [];
      for (const stale of live.filter((k) => k !== current)) {
        stale.revokedAt = this.clock.now();
        stale.revokedBy = 'system';
        await this.repository.save(manager, stale);
        events.push({
          actor: 'system',
          action: 'api-key.revoked',
          entityType: 'api-key',
          entityId: stale.id,
          change: { name: stale.name, reason: 'ADMIN_API_KEY changed' },
        });
      }
      if (!current) {
        const created = await this.repository.save(
          manager,
          Object.assign(new ApiKeyEntity(), {
            name: BOOTSTRAP_ADMIN_NAME,
            roles: ['admin'],
            tenantId: null,
            prefix: keyPrefix(key, hash),
            bootstrap: true,
            secretSha256: hash,
            createdBy: 'system',
            expiresAt: null,
            revokedAt: null,
            revokedBy: null,
            lastUsedAt: null,
          }),
        );
        events.push({
          actor: 'system',
          action: 'api-key.created',
          entityType: 'api-key',
          entityId: created.id,
          change: { name: created.name, roles: created.roles, source: 'ADMIN_API_KEY' },
        });
        this.logger.log({
          msg: 'bootstrap admin key installed from ADMIN_API_KEY',
          keyId: created.id,
          revoked: events.length - 1,
        });
      }
      await this.audit.append(manager, events);
    });
  }

  async create(dto: CreateApiKeyDto, actor: string): Promise<ApiKeyView & { key: string }> {
    if (dto.expiresAt && Date.parse(dto.expiresAt) <= this.clock.nowMs())
      throw invalid([{ path: 'expiresAt', message: 'must be in the future' }]);
    const { key, prefix } = generateApiKey();
    const saved = await this.uow.run(async (manager) => {
      const entity = await this.repository.save(
        manager,
        Object.assign(new ApiKeyEntity(), {
          name: dto.name,
          roles: dto.roles,
          tenantId: dto.tenantId ?? null,
          prefix,
          bootstrap: false,
          secretSha256: hashApiKey(key),
          createdBy: actor,
          expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
          revokedAt: null,
          revokedBy: null,
          lastUsedAt: null,
        }),
      );
      await this.audit.append(manager, [
        {
          actor,
          action: 'api-key.created',
          entityType: 'api-key',
          entityId: entity.id,
          change: {
            name: entity.name,
            roles: entity.roles,
            tenantId: entity.tenantId,
            prefix,
            expiresAt: dto.expiresAt ?? null,
          },
        },
      ]);
      return entity;
    });
    return { ...toView(saved), key };
  }

  /** A page of keys, oldest first (revoked ones too, with revokedAt). */
  async list(limit: number, after?: CreatedKey): Promise<Page<ApiKeyView>> {
    return toPage(await this.repository.listPage(limit + 1, after), limit, toView, createdKeyOf);
  }

  async revoke(id: string, actor: string): Promise<void> {
    await this.uow.run(async (manager) => {
      const key = await this.repository.findById(manager, id);
      if (!key || key.revokedAt) throw notFound('API key', id);
      key.revokedAt = this.clock.now();
      key.revokedBy = actor;
      await this.repository.save(manager, key);
      await this.audit.append(manager, [
        {
          actor,
          action: 'api-key.revoked',
          entityType: 'api-key',
          entityId: id,
          change: { name: key.name },
        },
      ]);
    });
  }

  /** The principal for a presented key, or null. Looked up on every request: a revoked key stops at once. */
  async authenticate(presented: string, now = this.clock.now()): Promise<Principal | null> {
    if (presented.length < 16 || presented.length > 256) return null;
    const hash = hashApiKey(presented);
    const candidates = await this.repository.findActiveByPrefix(keyPrefix(presented, hash));
    const match = candidates.find((k) => sameHash(k.secretSha256, hash));
    if (!match || (match.expiresAt && match.expiresAt <= now)) return null;
    void this.repository.touch(match.id, now).catch(() => undefined);
    return {
      keyId: match.id,
      name: match.name,
      roles: match.roles as Role[],
      tenantId: match.tenantId,
    };
  }
}

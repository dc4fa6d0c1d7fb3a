import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NoticeApprovalEntity } from './entities/notice-approval.entity.js';
import { NoticeRevisionEntity } from './entities/notice-revision.entity.js';
import { NoticeEntity } from './entities/notice.entity.js';

@Injectable()
export class NoticesRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<NoticeEntity | null> {
    return manager.findOne(NoticeEntity, { where: { id } });
  }

  lockById(manager: EntityManager, id: string): Promise<NoticeEntity | null> {
    return manager.findOne(NoticeEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  listForIncident(
    incidentId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<NoticeEntity[]> {
    return manager.find(NoticeEntity, {
      where: { incidentId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  save(manager: EntityManager, notice: NoticeEntity): Promise<NoticeEntity> {
    return manager.save(NoticeEntity, notice);
  }

  /** Inserts unless the incident already has an initial notice (unique index); null then. */
  async insertInitial(manager: EntityManager, notice: NoticeEntity): Promise<NoticeEntity | null> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(NoticeEntity)
      .values(notice)
      .orIgnore()
      .returning('*')
      .execute();
    const raw = result.raw as Array<{ id: string }>;
    return raw.length > 0
      ? manager.findOneOrFail(NoticeEntity, { where: { id: raw[0].id } })
      : null;
  }

  addRevision(
    manager: EntityManager,
    revision: NoticeRevisionEntity,
  ): Promise<NoticeRevisionEntity> {
    return manager.save(NoticeRevisionEntity, revision);
  }

  revisions(noticeId: string): Promise<NoticeRevisionEntity[]> {
    return this.dataSource.manager.find(NoticeRevisionEntity, {
      where: { noticeId },
      order: { revision: 'ASC' },
    });
  }

  revision(
    noticeId: string,
    revision: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<NoticeRevisionEntity | null> {
    return manager.findOne(NoticeRevisionEntity, { where: { noticeId, revision } });
  }

  approvals(
    noticeId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<NoticeApprovalEntity[]> {
    return manager.find(NoticeApprovalEntity, {
      where: { noticeId },
      order: { approvedAt: 'ASC' },
    });
  }

  addApproval(
    manager: EntityManager,
    approval: NoticeApprovalEntity,
  ): Promise<NoticeApprovalEntity> {
    return manager.save(NoticeApprovalEntity, approval);
  }

  /** Which of the given incidents have an initial notice. */
  async incidentsWithInitialNotice(incidentIds: readonly string[]): Promise<Set<string>> {
    const rows: Array<{ incidentId: string }> = await this.dataSource.query(
      `SELECT DISTINCT incident_id AS "incidentId" FROM notices WHERE incident_id = ANY($1::uuid[]) AND kind = 'initial'`,
      [incidentIds],
    );
    return new Set(rows.map((r) => r.incidentId));
  }
}

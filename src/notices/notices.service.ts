import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { conflict, DomainError, forbidden, notFound } from '../common/errors.js';
import { JobQueueService } from '../common/queues/job-queue.service.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { IncidentEntity } from '../incidents/entities/incident.entity.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import {
  assertNoticeTransition,
  checkApproval,
  checkNoticeTransition,
  NoticeKind,
  NoticeStatus,
} from './domain/notice-lifecycle.js';
import { CreateNoticeDto, NoticeContent, PatchNoticeDto } from './dto/notice.dto.js';
import { NoticeApprovalEntity } from './entities/notice-approval.entity.js';
import { NoticeRevisionEntity } from './entities/notice-revision.entity.js';
import { NoticeEntity } from './entities/notice.entity.js';
import { NoticesRepository } from './notices.repository.js';
import { contentSha256 } from '../common/domain/content-hash.js';

export interface NoticeView {
  id: string;
  incidentId: string;
  kind: NoticeKind;
  status: NoticeStatus;
  revision: number;
  content: NoticeContent;
  contentSha256: string;
  createdBy: string;
  editedBy: string;
  approvedBy: string | null;
  approvals: Array<{
    approver: string;
    revision: number;
    contentSha256: string;
    approvedAt: string;
  }>;
  approvalsRequired: number;
  approvedRevision: number | null;
  approvedSha256: string | null;
  approvedAt: string | null;
  rejectedBy: string | null;
  rejectedAt: string | null;
  rejectReason: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RevisionView {
  revision: number;
  content: NoticeContent;
  contentSha256: string;
  editedBy: string;
  editedAt: string;
}

/** The incident's own words, as the starting content of a notice. */
function contentFromIncident(incident: IncidentEntity): NoticeContent {
  return {
    title: incident.title,
    description: incident.description,
    dataImpact: incident.dataImpact as NoticeContent['dataImpact'],
    actionsTaken: incident.actionsTaken,
    suggestedActions: incident.suggestedActions,
  };
}

/** A first revision, by its author. */
function newDraft(
  incidentId: string,
  kind: NoticeKind,
  content: NoticeContent,
  author: string,
): NoticeEntity {
  return Object.assign(new NoticeEntity(), {
    incidentId,
    kind,
    status: 'draft' as const,
    revision: 1,
    content,
    contentSha256: contentSha256(content),
    createdBy: author,
    editedBy: author,
    approvedRevision: null,
    approvedSha256: null,
    approvedAt: null,
    rejectedBy: null,
    rejectedAt: null,
    rejectReason: null,
    sentAt: null,
  });
}

@Injectable()
export class NoticesService {
  private readonly logger = new Logger(NoticesService.name);

  constructor(
    private readonly repository: NoticesRepository,
    private readonly incidents: IncidentsService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly jobs: JobQueueService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  approvalsRequired(incident: Pick<IncidentEntity, 'severity'>): number {
    return incident.severity === 'critical' ? this.config.get('APPROVALS_REQUIRED_CRITICAL') : 1;
  }

  async get(id: string): Promise<NoticeEntity> {
    const notice = await this.repository.findById(id);
    if (!notice) throw notFound('Notice', id);
    return notice;
  }

  async view(notice: NoticeEntity): Promise<NoticeView> {
    const [approvals, incident] = await Promise.all([
      this.repository.approvals(notice.id),
      this.incidents.get(notice.incidentId),
    ]);
    const relevant = approvals.filter((a) => a.revision === notice.revision);
    return {
      id: notice.id,
      incidentId: notice.incidentId,
      kind: notice.kind,
      status: notice.status,
      revision: notice.revision,
      content: notice.content,
      contentSha256: notice.contentSha256,
      createdBy: notice.createdBy,
      editedBy: notice.editedBy,
      approvedBy:
        notice.status === 'approved' || notice.status === 'sent'
          ? (relevant[relevant.length - 1]?.approver ?? null)
          : null,
      approvals: relevant.map((a) => ({
        approver: a.approver,
        revision: a.revision,
        contentSha256: a.contentSha256,
        approvedAt: a.approvedAt.toISOString(),
      })),
      approvalsRequired: this.approvalsRequired(incident),
      approvedRevision: notice.approvedRevision,
      approvedSha256: notice.approvedSha256,
      approvedAt: notice.approvedAt?.toISOString() ?? null,
      rejectedBy: notice.rejectedBy,
      rejectedAt: notice.rejectedAt?.toISOString() ?? null,
      rejectReason: notice.rejectReason,
      sentAt: notice.sentAt?.toISOString() ?? null,
      createdAt: notice.createdAt.toISOString(),
      updatedAt: notice.updatedAt.toISOString(),
    };
  }

  async listForIncident(incidentId: string): Promise<NoticeEntity[]> {
    await this.incidents.get(incidentId);
    return this.repository.listForIncident(incidentId);
  }

  async revisions(id: string): Promise<RevisionView[]> {
    await this.get(id);
    return (await this.repository.revisions(id)).map((r) => ({
      revision: r.revision,
      content: r.content,
      contentSha256: r.contentSha256,
      editedBy: r.editedBy,
      editedAt: r.editedAt.toISOString(),
    }));
  }

  /** The content that was approved (what is sent), never the live draft. */
  async approvedContent(
    notice: NoticeEntity,
    manager?: EntityManager,
  ): Promise<{ content: NoticeContent; sha256: string }> {
    if (notice.approvedRevision === null || notice.approvedSha256 === null)
      throw new Error(`notice ${notice.id} is not approved`);
    const revision = await this.repository.revision(notice.id, notice.approvedRevision, manager);
    if (
      !revision ||
      revision.contentSha256 !== notice.approvedSha256 ||
      contentSha256(revision.content) !== notice.approvedSha256
    ) {
      throw new Error(
        `notice ${notice.id}: approved revision ${notice.approvedRevision} does not match its approval hash`,
      );
    }
    return { content: revision.content, sha256: revision.contentSha256 };
  }

  /** After (re-)resolution: draft the initial notice once; fan approved notices out to newly added tenants. */
  async onIncidentResolved(incidentId: string): Promise<void> {
    const incident = await this.incidents.get(incidentId);
    await this.uow.run(async (manager) => {
      const now = this.clock.now();
      const content = contentFromIncident(incident);
      const sha = contentSha256(content);
      // The reporter's words: the reporter's key is the author, so someone else must approve.
      const notice = await this.repository.insertInitial(
        manager,
        newDraft(incidentId, 'initial', content, incident.createdBy),
      );
      if (!notice) return;
      await this.repository.addRevision(
        manager,
        Object.assign(new NoticeRevisionEntity(), {
          noticeId: notice.id,
          revision: 1,
          content,
          contentSha256: sha,
          editedBy: incident.createdBy,
          editedAt: now,
        }),
      );
      await this.audit.append(manager, [
        {
          actor: 'system',
          action: 'notice.drafted',
          entityType: 'notice',
          entityId: notice.id,
          incidentId,
          change: { kind: 'initial', revision: 1, contentSha256: sha, author: incident.createdBy },
        },
      ]);
    });
    const approved = (await this.repository.listForIncident(incidentId)).filter(
      (n) => n.status === 'approved' || n.status === 'sent',
    );
    if (approved.length > 0) {
      await this.uow.run((manager) =>
        this.incidents.moveStatus(manager, incidentId, 'delivering', 'system', [
          'awaiting-review',
          'delivered',
        ]),
      );
      for (const notice of approved)
        await this.enqueueFanOut(notice.id, `gen${incident.scopeGeneration}`);
    }
  }

  async create(incidentId: string, dto: CreateNoticeDto, actor: string): Promise<NoticeEntity> {
    return this.uow.run(async (manager) => {
      const incident = await this.incidents.get(incidentId);
      const base = contentFromIncident(incident);
      const content: NoticeContent = {
        title: dto.title ?? base.title,
        description: dto.description ?? base.description,
        dataImpact: dto.dataImpact ?? base.dataImpact,
        actionsTaken: dto.actionsTaken ?? base.actionsTaken,
        suggestedActions: dto.suggestedActions ?? base.suggestedActions,
        ...(dto.translations ? { translations: dto.translations } : {}),
      };
      const sha = contentSha256(content);
      const notice = await this.repository.save(
        manager,
        newDraft(incidentId, dto.kind, content, actor),
      );
      await this.repository.addRevision(
        manager,
        Object.assign(new NoticeRevisionEntity(), {
          noticeId: notice.id,
          revision: 1,
          content,
          contentSha256: sha,
          editedBy: actor,
          editedAt: this.clock.now(),
        }),
      );
      await this.audit.append(manager, [
        {
          actor,
          action: 'notice.drafted',
          entityType: 'notice',
          entityId: notice.id,
          incidentId,
          change: { kind: dto.kind, revision: 1, contentSha256: sha },
        },
      ]);
      return notice;
    });
  }

  async edit(id: string, dto: PatchNoticeDto, actor: string): Promise<NoticeEntity> {
    return this.uow.run(async (manager) => {
      const notice = await this.repository.lockById(manager, id);
      if (!notice) throw notFound('Notice', id);
      assertNoticeTransition(
        notice.status,
        'draft',
        `only a draft can be edited; this notice is ${notice.status}`,
      );
      if (dto.expectedRevision !== undefined && dto.expectedRevision !== notice.revision) {
        throw conflict(
          `the notice is at revision ${notice.revision}, not ${dto.expectedRevision}; reload and edit again`,
        );
      }
      const { expectedRevision: _r, ...fields } = dto;
      const content: NoticeContent = { ...notice.content, ...fields };
      const sha = contentSha256(content);
      const changed = Object.keys(fields).filter(
        (k) =>
          JSON.stringify(notice.content[k as keyof NoticeContent]) !==
          JSON.stringify(fields[k as keyof typeof fields]),
      );
      notice.revision += 1;
      notice.content = content;
      notice.contentSha256 = sha;
      notice.editedBy = actor;
      await this.repository.save(manager, notice);
      await this.repository.addRevision(
        manager,
        Object.assign(new NoticeRevisionEntity(), {
          noticeId: id,
          revision: notice.revision,
          content,
          contentSha256: sha,
          editedBy: actor,
          editedAt: this.clock.now(),
        }),
      );
      await this.audit.append(manager, [
        {
          actor,
          action: 'notice.edited',
          entityType: 'notice',
          entityId: id,
          incidentId: notice.incidentId,
          change: { revision: notice.revision, fields: changed, contentSha256: sha },
        },
      ]);
      return notice;
    });
  }

  /** Four eyes; the approval binds the current revision and its hash; the last one needed starts delivery. */
  async approve(id: string, actor: string): Promise<NoticeEntity> {
    const { notice, complete } = await this.uow.run(async (manager) => {
      // Lock order everywhere: incident, then notice, then the audit chain.
      const found = await this.repository.findById(id, manager);
      if (!found) throw notFound('Notice', id);
      await this.incidents.lockForUpdate(manager, found.incidentId);
      const notice = await this.repository.lockById(manager, id);
      if (!notice) throw notFound('Notice', id);
      const incident = await this.incidents.get(notice.incidentId);
      const approvals = (await this.repository.approvals(id, manager)).filter(
        (a) => a.revision === notice.revision,
      );
      const required = this.approvalsRequired(incident);
      const check = checkApproval({
        status: notice.status,
        createdBy: notice.createdBy,
        editedBy: notice.editedBy,
        approver: actor,
        approversOfRevision: approvals.map((a) => a.approver),
        required,
      });
      if (!check.allowed) {
        if (check.reason === 'not-draft') throw conflict(check.detail);
        if (check.reason === 'already-approved') throw new DomainError('conflict', check.detail);
        throw forbidden(check.detail);
      }
      const now = this.clock.now();
      // Recompute the hash from the stored content: the approval binds exactly these bytes.
      const sha = contentSha256(notice.content);
      await this.repository.addApproval(
        manager,
        Object.assign(new NoticeApprovalEntity(), {
          noticeId: id,
          revision: notice.revision,
          contentSha256: sha,
          approver: actor,
          approvedAt: now,
        }),
      );
      const change: Record<string, unknown> = {
        revision: notice.revision,
        contentSha256: sha,
        approvals: approvals.length + 1,
        required,
      };
      if (check.complete) {
        assertNoticeTransition(notice.status, 'approved');
        notice.status = 'approved';
        notice.approvedRevision = notice.revision;
        notice.approvedSha256 = sha;
        notice.approvedAt = now;
        await this.repository.save(manager, notice);
        change.status = { from: 'draft', to: 'approved' };
      }
      // Row locks before the audit chain lock (always the last lock a transaction takes).
      if (check.complete)
        await this.incidents.moveStatus(manager, notice.incidentId, 'delivering', actor);
      await this.audit.append(manager, [
        {
          actor,
          action: 'notice.approved',
          entityType: 'notice',
          entityId: id,
          incidentId: notice.incidentId,
          change,
        },
      ]);
      return { notice, complete: check.complete };
    });
    if (complete) await this.enqueueFanOut(notice.id, 'approved');
    return notice;
  }

  async reject(id: string, reason: string, actor: string): Promise<NoticeEntity> {
    return this.uow.run(async (manager) => {
      const notice = await this.repository.lockById(manager, id);
      if (!notice) throw notFound('Notice', id);
      assertNoticeTransition(
        notice.status,
        'rejected',
        `only a draft can be rejected; this notice is ${notice.status}`,
      );
      notice.status = 'rejected';
      notice.rejectedBy = actor;
      notice.rejectedAt = this.clock.now();
      notice.rejectReason = reason;
      await this.repository.save(manager, notice);
      await this.audit.append(manager, [
        {
          actor,
          action: 'notice.rejected',
          entityType: 'notice',
          entityId: id,
          incidentId: notice.incidentId,
          change: { revision: notice.revision, reason, status: { from: 'draft', to: 'rejected' } },
        },
      ]);
      return notice;
    });
  }

  /** Called by delivery when every delivery of the notice has ended. */
  async markSent(manager: EntityManager, noticeId: string, at: Date): Promise<boolean> {
    const notice = await this.repository.lockById(manager, noticeId);
    if (!notice || !checkNoticeTransition(notice.status, 'sent').allowed) return false;
    notice.status = 'sent';
    notice.sentAt = at;
    await this.repository.save(manager, notice);
    await this.audit.append(manager, [
      {
        actor: 'system',
        action: 'notice.sent',
        entityType: 'notice',
        entityId: noticeId,
        incidentId: notice.incidentId,
        change: { status: { from: 'approved', to: 'sent' } },
      },
    ]);
    return true;
  }

  async enqueueFanOut(noticeId: string, reason: string): Promise<void> {
    await this.jobs.add({
      name: 'fan-out',
      data: { noticeId },
      jobId: `fanout.${noticeId}.${reason}`,
    });
  }
}

import { AcknowledgementEntity } from '../acknowledgements/entities/acknowledgement.entity.js';
import { ApiKeyEntity } from '../api-keys/entities/api-key.entity.js';
import { AuditCheckpointEntity } from '../audit/entities/audit-checkpoint.entity.js';
import { AuditEventEntity } from '../audit/entities/audit-event.entity.js';
import { AuditShardEntity } from '../audit/entities/audit-shard.entity.js';
import { StaffSessionEntity } from '../console/entities/staff-session.entity.js';
import { ContactSyncStateEntity } from '../contacts/entities/contact-sync-state.entity.js';
import { ContactVerificationEntity } from '../contacts/entities/contact-verification.entity.js';
import { DeadlineAlertEntity } from '../compliance/entities/deadline-alert.entity.js';
import { EscalationMailEntity } from '../compliance/entities/escalation-mail.entity.js';
import { DeliveryEntity } from '../delivery/entities/delivery.entity.js';
import { FeedPostEntity } from '../delivery/entities/feed-post.entity.js';
import { NoticeFanoutEntity } from '../delivery/entities/notice-fanout.entity.js';
import { IncidentTenantEntity } from '../incidents/entities/incident-tenant.entity.js';
import { IncidentEntity } from '../incidents/entities/incident.entity.js';
import { NoticeApprovalEntity } from '../notices/entities/notice-approval.entity.js';
import { NoticeRevisionEntity } from '../notices/entities/notice-revision.entity.js';
import { NoticeEntity } from '../notices/entities/notice.entity.js';
import { SignInLinkEntity } from '../portal/entities/sign-in-link.entity.js';
import { TenantSessionEntity } from '../portal/entities/tenant-session.entity.js';
import { RuleSetEntity } from '../regulations/entities/rule-set.entity.js';
import { TenantEntity } from '../tenants/entities/tenant.entity.js';

/** Every entity; listed explicitly so the app, the CLI and the tests load the same set. */
export const ENTITIES = [
  ApiKeyEntity,
  TenantEntity,
  IncidentEntity,
  IncidentTenantEntity,
  AuditEventEntity,
  AuditShardEntity,
  AuditCheckpointEntity,
  RuleSetEntity,
  NoticeEntity,
  NoticeRevisionEntity,
  NoticeApprovalEntity,
  DeliveryEntity,
  FeedPostEntity,
  NoticeFanoutEntity,
  DeadlineAlertEntity,
  EscalationMailEntity,
  StaffSessionEntity,
  AcknowledgementEntity,
  ContactVerificationEntity,
  ContactSyncStateEntity,
  TenantSessionEntity,
  SignInLinkEntity,
];

import {
  Check,
  Column,
  Entity,
  Index,
  PrimaryColumn,
  Unique,
  JoinColumn,
  ManyToOne,
  type Relation,
} from 'typeorm';
import { NoticeEntity } from '../../notices/entities/notice.entity.js';
import type { DeliveryChannel, DeliveryStatus } from '../domain/delivery-status.js';

/** One message to one recipient: the record an auditor reads. Unique per notice, tenant, channel, recipient. */
@Entity('deliveries')
@Check('CHK_deliveries_channel', `channel IN ('email', 'dashboard', 'webhook')`)
@Check('CHK_deliveries_status', `status IN ('queued', 'sent', 'failed', 'bounced')`)
@Check('CHK_deliveries_bounced_at', `(status = 'bounced') = (bounced_at IS NOT NULL)`)
@Unique('uq_deliveries_recipient', ['noticeId', 'tenantId', 'channel', 'recipient'])
@Index('idx_deliveries_incident_status', ['incidentId', 'status'])
@Index('idx_deliveries_notice_status', ['noticeId', 'status'])
@Index('idx_deliveries_tenant', ['tenantId', 'queuedAt'])
@Index('idx_deliveries_queued_at', ['queuedAt'])
@Index('idx_deliveries_incident_tenant', ['incidentId', 'tenantId'])
@Index('idx_deliveries_failed', { synchronize: false })
@Index('idx_deliveries_claim', { synchronize: false })
@Index('idx_deliveries_webhook_claim', { synchronize: false })
export class DeliveryEntity {
  // Time-ordered (UUID version 7, migration 1796600000000): a page of new deliveries and the
  // updates that follow it write the primary key's rightmost pages, not random ones.
  @PrimaryColumn({ type: 'uuid', default: () => 'herald_uuid_v7()' })
  id!: string;

  @Column({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_deliveries_notice' })
  notice?: Relation<NoticeEntity>;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  channel!: DeliveryChannel;

  @Column({ type: 'text' })
  recipient!: string;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'queued_at', type: 'timestamptz' })
  queuedAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  // When a delivery status notification said the accepted email did not arrive.
  @Column({ name: 'bounced_at', type: 'timestamptz', nullable: true })
  bouncedAt!: Date | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId!: string | null;

  @Column({ name: 'content_sha256', type: 'text', nullable: true })
  contentSha256!: string | null;

  @Column({ name: 'notice_due_at', type: 'timestamptz' })
  noticeDueAt!: Date;

  @Column({ name: 'met_deadline', type: 'boolean', nullable: true })
  metDeadline!: boolean | null;

  @Column({ type: 'text', nullable: true })
  locale!: string | null;

  // A worker claims a queued delivery until then; a crashed worker's claim simply runs out.
  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;
}

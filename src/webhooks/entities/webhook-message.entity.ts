import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';

/** A webhook event that is not a notice (contacts.verification_needed), queued for one endpoint. */
@Entity('webhook_messages')
@Check('CHK_webhook_messages_status', `status IN ('queued', 'sent', 'failed')`)
@Index('idx_webhook_messages_claim', { synchronize: false })
export class WebhookMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @ManyToOne(() => WebhookEndpointEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'FK_webhook_messages_endpoint' })
  endpoint?: Relation<WebhookEndpointEntity>;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  event!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text' })
  status!: 'queued' | 'sent' | 'failed';

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}

import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';

/** One call made to an endpoint: what the tenant's recent attempts and success rate are made of. */
@Entity('webhook_attempts')
@Index('idx_webhook_attempts_endpoint', ['endpointId', 'attemptedAt'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @ManyToOne(() => WebhookEndpointEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'FK_webhook_attempts_endpoint' })
  endpoint?: Relation<WebhookEndpointEntity>;

  @Column({ name: 'message_id', type: 'text' })
  messageId!: string;

  @Column({ type: 'text' })
  event!: string;

  @Column({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt!: Date;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'boolean' })
  ok!: boolean;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;
}

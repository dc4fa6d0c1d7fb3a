import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  Unique,
} from 'typeorm';
import { NoticeEntity } from '../../notices/entities/notice.entity.js';

/** A tenant's acknowledgement of a notice it was sent: who, and when. One per notice and tenant. */
@Entity('acknowledgements')
@Unique('uq_acknowledgements_notice_tenant', ['noticeId', 'tenantId'])
@Index('idx_acknowledgements_incident_tenant', ['incidentId', 'tenantId'])
export class AcknowledgementEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_acknowledgements_notice' })
  notice?: Relation<NoticeEntity>;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'acknowledged_at', type: 'timestamptz' })
  acknowledgedAt!: Date;

  // What the report shows: "Name <email>" for a person in the portal, the key's name otherwise.
  @Column({ name: 'acknowledged_by', type: 'text' })
  acknowledgedBy!: string;

  // The audit actor: person:<email> or the key's name.
  @Column({ type: 'text' })
  actor!: string;
}

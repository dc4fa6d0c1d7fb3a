import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { IncidentEntity } from '../../incidents/entities/incident.entity.js';
import type { NoticeContent } from '../dto/notice.dto.js';
import type { NoticeKind, NoticeStatus } from '../domain/notice-lifecycle.js';

@Entity('notices')
@Index('idx_notices_incident', ['incidentId', 'createdAt'])
@Index('uq_notices_initial', ['incidentId'], { unique: true, where: `kind = 'initial'` })
export class NoticeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @ManyToOne(() => IncidentEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'incident_id', foreignKeyConstraintName: 'FK_notices_incident' })
  incident?: Relation<IncidentEntity>;

  @Column({ type: 'text' })
  kind!: NoticeKind;

  @Column({ type: 'text' })
  status!: NoticeStatus;

  @Column({ type: 'integer' })
  revision!: number;

  @Column({ type: 'jsonb' })
  content!: NoticeContent;

  @Column({ name: 'content_sha256', type: 'text' })
  contentSha256!: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'edited_by', type: 'text' })
  editedBy!: string;

  @Column({ name: 'approved_revision', type: 'integer', nullable: true })
  approvedRevision!: number | null;

  @Column({ name: 'approved_sha256', type: 'text', nullable: true })
  approvedSha256!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'rejected_by', type: 'text', nullable: true })
  rejectedBy!: string | null;

  @Column({ name: 'rejected_at', type: 'timestamptz', nullable: true })
  rejectedAt!: Date | null;

  @Column({ name: 'reject_reason', type: 'text', nullable: true })
  rejectReason!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  // Set from the app's Clock on every save (src/database/clock-subscriber.ts), never by TypeORM.
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { NoticeEntity } from '../../notices/entities/notice.entity.js';

/** How far a notice's fan-out has come: delivery records are created page by page. */
@Entity('notice_fanouts')
export class NoticeFanoutEntity {
  @PrimaryColumn({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_notice_fanouts_notice' })
  notice?: Relation<NoticeEntity>;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ name: 'scope_generation', type: 'integer' })
  scopeGeneration!: number;

  @Column({ type: 'text', default: '' })
  cursor!: string;

  @Column({ type: 'integer', default: 0 })
  pages!: number;

  @Column({ type: 'integer', default: 0 })
  deliveries!: number;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  // Touched on every page and while waiting for room: a fan-out that stops moving has died.
  @Column({ name: 'progressed_at', type: 'timestamptz', default: () => 'now()' })
  progressedAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}

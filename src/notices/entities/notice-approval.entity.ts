import {
  Column,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  JoinColumn,
  ManyToOne,
  type Relation,
} from 'typeorm';
import { NoticeEntity } from './notice.entity.js';

/** One approver's approval, bound to the exact revision and its content hash. */
@Entity('notice_approvals')
@Unique('uq_notice_approvals_approver', ['noticeId', 'revision', 'approver'])
export class NoticeApprovalEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_notice_approvals_notice' })
  notice?: Relation<NoticeEntity>;

  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'content_sha256', type: 'text' })
  contentSha256!: string;

  @Column({ type: 'text' })
  approver!: string;

  @Column({ name: 'approved_at', type: 'timestamptz' })
  approvedAt!: Date;
}

import { Column, Entity, PrimaryColumn, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { NoticeEntity } from './notice.entity.js';
import type { NoticeContent } from '../dto/notice.dto.js';

/** Every version of a notice's content, kept: what was approved can always be shown. */
@Entity('notice_revisions')
export class NoticeRevisionEntity {
  @PrimaryColumn({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_notice_revisions_notice' })
  notice?: Relation<NoticeEntity>;

  @PrimaryColumn({ type: 'integer' })
  revision!: number;

  @Column({ type: 'jsonb' })
  content!: NoticeContent;

  @Column({ name: 'content_sha256', type: 'text' })
  contentSha256!: string;

  @Column({ name: 'edited_by', type: 'text' })
  editedBy!: string;

  @Column({ name: 'edited_at', type: 'timestamptz' })
  editedAt!: Date;
}

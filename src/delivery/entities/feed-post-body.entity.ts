import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { NoticeEntity } from '../../notices/entities/notice.entity.js';

/**
 * A dashboard post's HTML and text, shared by every tenant of a notice whose post differs only
 * by the tenant's name: the texts split where the name stands (a post's content is
 * `html_parts` joined with its `html_fill`, and likewise the text). Keyed by the SHA-256 of the
 * parts (`FeedPostBody.sha256`).
 */
@Entity('feed_post_bodies')
export class FeedPostBodyEntity {
  @PrimaryColumn({
    name: 'notice_id',
    type: 'uuid',
    primaryKeyConstraintName: 'PK_feed_post_bodies',
  })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_feed_post_bodies_notice' })
  notice?: Relation<NoticeEntity>;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_feed_post_bodies' })
  sha256!: string;

  @Column({ name: 'html_parts', type: 'text', array: true })
  htmlParts!: string[];

  @Column({ name: 'text_parts', type: 'text', array: true })
  textParts!: string[];
}

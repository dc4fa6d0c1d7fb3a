import {
  Check,
  Column,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  JoinColumn,
  ManyToOne,
  type Relation,
} from 'typeorm';
import { NoticeEntity } from '../../notices/entities/notice.entity.js';
import { FeedPostBodyEntity } from './feed-post-body.entity.js';

/** A notice as published on one tenant's private dashboard feed. */
@Entity('feed_posts')
@Unique('uq_feed_posts_notice_tenant', ['noticeId', 'tenantId'])
@Index('idx_feed_posts_tenant', ['tenantId', 'publishedAt'])
@Check(
  'CHK_feed_posts_content',
  `CASE WHEN "body_sha256" IS NULL
     THEN "content_html" IS NOT NULL AND "content_text" IS NOT NULL AND "html_fill" IS NULL AND "text_fill" IS NULL
     ELSE "content_html" IS NULL AND "content_text" IS NULL AND "html_fill" IS NOT NULL AND "text_fill" IS NOT NULL
   END`,
)
export class FeedPostEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @ManyToOne(() => NoticeEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'notice_id', foreignKeyConstraintName: 'FK_feed_posts_notice' })
  notice?: Relation<NoticeEntity>;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  @Column({ type: 'text' })
  title!: string;

  /** The whole HTML, for a post rendered directly; null when it is kept as a body's parts. */
  @Column({ name: 'content_html', type: 'text', nullable: true })
  contentHtml!: string | null;

  @Column({ name: 'content_text', type: 'text', nullable: true })
  contentText!: string | null;

  /** The shared body (feed_post_bodies) whose parts this post's name goes between, or null. */
  @Column({ name: 'body_sha256', type: 'text', nullable: true })
  bodySha256!: string | null;

  @ManyToOne(() => FeedPostBodyEntity, { createForeignKeyConstraints: true })
  @JoinColumn([
    {
      name: 'notice_id',
      referencedColumnName: 'noticeId',
      foreignKeyConstraintName: 'FK_feed_posts_body',
    },
    {
      name: 'body_sha256',
      referencedColumnName: 'sha256',
      foreignKeyConstraintName: 'FK_feed_posts_body',
    },
  ])
  body?: Relation<FeedPostBodyEntity>;

  /** What goes between the body's HTML parts: the tenant's name, HTML-escaped. */
  @Column({ name: 'html_fill', type: 'text', nullable: true })
  htmlFill!: string | null;

  /** What goes between the body's text parts. */
  @Column({ name: 'text_fill', type: 'text', nullable: true })
  textFill!: string | null;

  @Column({ type: 'text' })
  locale!: string;

  @Column({ name: 'content_sha256', type: 'text' })
  contentSha256!: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt!: Date;
}

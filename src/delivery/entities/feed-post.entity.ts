import {
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

/** A notice as published on one tenant's private dashboard feed. */
@Entity('feed_posts')
@Unique('uq_feed_posts_notice_tenant', ['noticeId', 'tenantId'])
@Index('idx_feed_posts_tenant', ['tenantId', 'publishedAt'])
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

  @Column({ name: 'content_html', type: 'text' })
  contentHtml!: string;

  @Column({ name: 'content_text', type: 'text' })
  contentText!: string;

  @Column({ type: 'text' })
  locale!: string;

  @Column({ name: 'content_sha256', type: 'text' })
  contentSha256!: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt!: Date;
}

import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Whether (and when) a tenant's notice contact address was confirmed by its owner. */
@Entity('contact_verifications')
@Check('ck_contact_verifications_email', `"email" = lower("email")`)
@Index('idx_contact_verifications_verified', ['verifiedAt'])
export class ContactVerificationEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  // Lower case: addresses compare without case.
  @PrimaryColumn({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Index('uq_contact_verifications_token', { synchronize: false })
  @Column({ name: 'token_sha256', type: 'bytea', nullable: true })
  tokenSha256!: Buffer | null;

  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true })
  tokenExpiresAt!: Date | null;

  @Column({ name: 'requested_at', type: 'timestamptz', nullable: true })
  requestedAt!: Date | null;

  @Column({ name: 'request_reason', type: 'text', nullable: true })
  requestReason!: 'new' | 'reconfirm' | null;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;
}

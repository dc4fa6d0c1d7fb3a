import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A one-time sign-in link mailed to a tenant's notice contact. Only the token's hash is kept. */
@Entity('portal_sign_in_links')
export class SignInLinkEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_portal_sign_in_links_token', { unique: true })
  @Column({ name: 'token_sha256', type: 'bytea' })
  tokenSha256!: Buffer;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;
}

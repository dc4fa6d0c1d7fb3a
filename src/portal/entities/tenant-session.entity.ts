import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant administrator using the portal: always one tenant. The cookie's secret is only hashed. */
@Entity('tenant_sessions')
export class TenantSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_tenant_sessions_token', { unique: true })
  @Column({ name: 'token_sha256', type: 'bytea' })
  tokenSha256!: Buffer;

  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  // The actor recorded for every change made in this session: person:<email> or the key's name.
  @Column({ type: 'text' })
  actor!: string;

  // The contact's address, or api-key:<id>.
  @Column({ type: 'text' })
  subject!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ type: 'text' })
  method!: 'link' | 'api-key';

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

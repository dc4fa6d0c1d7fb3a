import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A person (or a machine, signed in with an API key) using the console. The cookie's secret is only hashed. */
@Entity('staff_sessions')
export class StaffSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_staff_sessions_token', { unique: true })
  @Column({ name: 'token_sha256', type: 'bytea' })
  tokenSha256!: Buffer;

  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken!: string;

  // The actor recorded for every change made in this session: person:<subject> or the key's name.
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ type: 'text' })
  method!: 'oidc' | 'api-key';

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId!: string | null;

  // Single sign-on only: the ID token, the hint that ends the session at the IdP on sign-out.
  @Column({ name: 'id_token', type: 'text', nullable: true })
  idToken!: string | null;

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

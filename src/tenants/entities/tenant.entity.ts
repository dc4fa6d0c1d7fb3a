import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export interface TenantContact {
  name: string;
  email: string;
  role: 'primary' | 'security' | 'privacy' | 'billing';
  locale?: string;
}

@Entity('tenants')
@Index('idx_tenants_updated', ['updatedAt', 'id'])
export class TenantEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  locale!: string;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone!: string;

  @Column({ type: 'text', array: true })
  countries!: string[];

  // countries plus the country of each subdivision (US-CA adds US): what scope and rules match on.
  @Index('idx_tenants_country_match', { synchronize: false })
  @Column({ name: 'country_match', type: 'text', array: true })
  countryMatch!: string[];

  @Index('idx_tenants_data_regions', { synchronize: false })
  @Column({ name: 'data_regions', type: 'text', array: true })
  dataRegions!: string[];

  @Index('idx_tenants_services', { synchronize: false })
  @Column({ type: 'text', array: true })
  services!: string[];

  @Column({ type: 'text', array: true })
  industries!: string[];

  @Column({ type: 'jsonb' })
  flags!: Record<string, boolean>;

  @Column({ name: 'contractual_notice_hours', type: 'integer', nullable: true })
  contractualNoticeHours!: number | null;

  @Column({ type: 'jsonb' })
  contacts!: TenantContact[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  // Set from the app's Clock on every save (src/database/clock-subscriber.ts), never by TypeORM.
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { IncidentPhase, IncidentSeverity, IncidentStatus } from '../domain/incident-status.js';

export interface DataImpact {
  categories: string[];
  description: string;
  dataSubjectsEstimate?: number;
  recordsEstimate?: number;
}

export interface IncidentScope {
  tenantIds?: string[];
  services?: string[];
  dataRegions?: string[];
  countries?: string[];
}

@Entity('incidents')
@Unique('UQ_incidents_external_id', ['externalId'])
export class IncidentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'external_id', type: 'text' })
  externalId!: string;

  // sha256 of the canonical intake body: the same externalId with another body is a 409.
  @Column({ name: 'request_sha256', type: 'text' })
  requestSha256!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  severity!: IncidentSeverity;

  @Column({ type: 'text' })
  phase!: IncidentPhase;

  @Column({ type: 'text' })
  status!: IncidentStatus;

  @Column({ name: 'aware_at', type: 'timestamptz' })
  awareAt!: Date;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt!: Date | null;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'data_impact', type: 'jsonb' })
  dataImpact!: DataImpact;

  @Column({ name: 'actions_taken', type: 'jsonb' })
  actionsTaken!: string[];

  @Column({ name: 'suggested_actions', type: 'jsonb' })
  suggestedActions!: string[];

  @Column({ type: 'jsonb' })
  scope!: IncidentScope;

  // Bumped on every scope change; a resolution job for an older generation is stale.
  @Column({ name: 'scope_generation', type: 'integer', default: 1 })
  scopeGeneration!: number;

  @Column({ name: 'affected_tenant_count', type: 'integer', default: 0 })
  affectedTenantCount!: number;

  @Column({ name: 'earliest_notice_due_at', type: 'timestamptz', nullable: true })
  earliestNoticeDueAt!: Date | null;

  @Column({ name: 'rules_version', type: 'text', nullable: true })
  rulesVersion!: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  // Set from the app's Clock on every save (src/database/clock-subscriber.ts), never by TypeORM.
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

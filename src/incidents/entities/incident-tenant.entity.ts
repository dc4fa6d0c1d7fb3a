import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import { IncidentEntity } from './incident.entity.js';

/** Compact: the rule's texts live once in rule_sets under the recorded rules version. */
export interface StoredObligation {
  regulationId: string;
  dueAt: string | null;
}

/** One affected tenant of an incident, with its deadlines as resolved. */
@Entity('incident_tenants')
@Index('idx_incident_tenants_due', ['incidentId', 'noticeDueAt'])
@Index('idx_incident_tenants_due_tenant', ['incidentId', 'noticeDueAt', 'tenantId'])
export class IncidentTenantEntity {
  @PrimaryColumn({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @ManyToOne(() => IncidentEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'incident_id', foreignKeyConstraintName: 'FK_incident_tenants_incident' })
  incident?: Relation<IncidentEntity>;

  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'notice_due_at', type: 'timestamptz' })
  noticeDueAt!: Date;

  @Index('idx_incident_tenants_obligations', { synchronize: false })
  @Column({ type: 'jsonb' })
  obligations!: StoredObligation[];

  @Column({ name: 'rules_version', type: 'text' })
  rulesVersion!: string;

  @Column({ name: 'scope_generation', type: 'integer' })
  scopeGeneration!: number;

  @Column({ name: 'resolved_at', type: 'timestamptz' })
  resolvedAt!: Date;
}

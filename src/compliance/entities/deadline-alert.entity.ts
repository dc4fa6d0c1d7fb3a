import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import { IncidentEntity } from '../../incidents/entities/incident.entity.js';
import type { DeadlineAlertState } from '../domain/compliance-status.js';

/** One deadline state the watch reported for a tenant of an incident (once per state). */
@Entity('deadline_alerts')
@Check('CHK_deadline_alerts_state', `state IN ('near', 'missed', 'undeliverable')`)
@Index('idx_deadline_alerts_unaudited', { synchronize: false })
@Index('idx_deadline_alerts_unescalated', { synchronize: false })
export class DeadlineAlertEntity {
  @PrimaryColumn({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @ManyToOne(() => IncidentEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'incident_id', foreignKeyConstraintName: 'FK_deadline_alerts_incident' })
  incident?: Relation<IncidentEntity>;

  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  state!: DeadlineAlertState;

  @Column({ name: 'notice_due_at', type: 'timestamptz' })
  noticeDueAt!: Date;

  @Column({ name: 'detected_at', type: 'timestamptz', default: () => 'now()' })
  detectedAt!: Date;

  // Null until its audit event is written (an outbox: detection is one statement, auditing goes in batches).
  @Column({ name: 'audited_at', type: 'timestamptz', nullable: true })
  auditedAt!: Date | null;

  // Null until the escalation mail that mentions it was sent.
  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true })
  escalatedAt!: Date | null;
}

import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/** Append-only, hash-chained per shard; the database refuses UPDATE and DELETE (see the migration's trigger). */
@Entity('audit_events')
@Unique('UQ_audit_events_id', ['id'])
@Index('idx_audit_events_entity', ['entityType', 'entityId'])
@Index('idx_audit_events_incident_occurred_at', ['incidentId', 'occurredAt'])
@Index('idx_audit_events_actor', ['actor'])
@Index('idx_audit_events_occurred_at', ['occurredAt'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'uuid' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'entity_type', type: 'text' })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'text', nullable: true })
  entityId!: string | null;

  @Column({ name: 'incident_id', type: 'uuid', nullable: true })
  incidentId!: string | null;

  @Column({ type: 'jsonb' })
  change!: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;

  /** Null for events of the format-1 global chain (before sharding). */
  @Column({ type: 'int', nullable: true })
  shard!: number | null;

  /** The seq of the previous event of the same shard; null for a shard's first event and format 1. */
  @Column({ name: 'prev_seq', type: 'bigint', nullable: true })
  prevSeq!: string | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Append-only, chained: each commits every shard's newest event (a Merkle root over the heads). */
@Entity('audit_checkpoints')
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'text' })
  root!: string;

  @Column({ type: 'jsonb' })
  heads!: Array<{ shard: number; seq: string; hash: string }>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'text', nullable: true })
  signature!: string | null;
}

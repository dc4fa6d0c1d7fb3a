import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per shard of the audit log: its newest event. Shard 0 is the format-1 (global) chain. */
@Entity('audit_shards')
export class AuditShardEntity {
  @PrimaryColumn({ type: 'int' })
  shard!: number;

  @Column({ name: 'head_seq', type: 'bigint', nullable: true })
  headSeq!: string | null;

  @Column({ name: 'head_hash', type: 'text', nullable: true })
  headHash!: string | null;
}

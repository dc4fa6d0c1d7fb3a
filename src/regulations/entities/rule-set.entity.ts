import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('rule_sets')
export class RuleSetEntity {
  @PrimaryColumn({ type: 'text' })
  version!: string;

  @Column({ type: 'jsonb' })
  content!: Record<string, unknown>;

  @Column({ name: 'loaded_at', type: 'timestamptz', default: () => 'now()' })
  loadedAt!: Date;
}

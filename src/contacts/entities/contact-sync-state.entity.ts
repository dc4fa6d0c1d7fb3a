import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** One row: the tenants.updated_at up to which the sweep compared contacts with verifications. */
@Entity('contact_sync_state')
@Check('ck_contact_sync_state_one', `"id" = 1`)
export class ContactSyncStateEntity {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  @Column({ name: 'synced_through', type: 'timestamptz' })
  syncedThrough!: Date;
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries' pages keep room for the claim's row version. Claiming a delivery changes only
 * unindexed columns (attempts, lease, next attempt), so Postgres can write the new version as a
 * heap-only tuple, adding no entry to any of the table's indexes, but only when the row's page has
 * room for it; pages filled to the brim by the fan-out had none, so every claim added an entry to
 * each of the ten indexes. Only pages written from now on keep the room (existing rows stay where
 * they are). See docs/benchmarks.md (session 12) for what it changes.
 */
export class DeliveriesRoomForClaims1796700000000 implements MigrationInterface {
  name = 'DeliveriesRoomForClaims1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries SET (fillfactor = 60)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries RESET (fillfactor)`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeliveryBounces1796320000000 implements MigrationInterface {
  name = 'DeliveryBounces1796320000000';

  async up(q: QueryRunner): Promise<void> {
    // A delivery the relay accepted and a DSN later reported undeliverable: sent -> bounced.
    await q.query(`ALTER TABLE "deliveries" ADD "bounced_at" timestamptz`);
    await q.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "CHK_deliveries_status"`);
    await q.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "CHK_deliveries_status" CHECK (status IN ('queued', 'sent', 'failed', 'bounced'))`,
    );
    await q.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "CHK_deliveries_bounced_at" CHECK ((status = 'bounced') = (bounced_at IS NOT NULL))`,
    );
    // The deadline watch looks again at the tenants of delivered incidents with an email that
    // did not arrive: failed, and now bounced.
    await q.query(`DROP INDEX "idx_deliveries_failed"`);
    await q.query(
      `CREATE INDEX "idx_deliveries_failed" ON "deliveries" ("incident_id", "tenant_id") WHERE status IN ('failed', 'bounced')`,
    );
    // The watch also reports a tenant none of whose emails arrived, at once.
    await q.query(`ALTER TABLE "deadline_alerts" DROP CONSTRAINT "CHK_deadline_alerts_state"`);
    await q.query(
      `ALTER TABLE "deadline_alerts" ADD CONSTRAINT "CHK_deadline_alerts_state" CHECK (state IN ('near', 'missed', 'undeliverable'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "deadline_alerts" WHERE state = 'undeliverable'`);
    await q.query(`ALTER TABLE "deadline_alerts" DROP CONSTRAINT "CHK_deadline_alerts_state"`);
    await q.query(
      `ALTER TABLE "deadline_alerts" ADD CONSTRAINT "CHK_deadline_alerts_state" CHECK (state IN ('near', 'missed'))`,
    );
    await q.query(`DROP INDEX "idx_deliveries_failed"`);
    await q.query(
      `CREATE INDEX "idx_deliveries_failed" ON "deliveries" ("incident_id", "tenant_id") WHERE status = 'failed'`,
    );
    // A bounced delivery was sent: it goes back to what it was before the DSN arrived.
    await q.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "CHK_deliveries_bounced_at"`);
    await q.query(`UPDATE "deliveries" SET status = 'sent' WHERE status = 'bounced'`);
    await q.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "CHK_deliveries_status"`);
    await q.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "CHK_deliveries_status" CHECK (status IN ('queued', 'sent', 'failed'))`,
    );
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "bounced_at"`);
  }
}

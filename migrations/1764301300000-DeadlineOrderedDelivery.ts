import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeadlineOrderedDelivery1764301300000 implements MigrationInterface {
  name = 'DeadlineOrderedDelivery1764301300000';

  async up(q: QueryRunner): Promise<void> {
    // Fan-outs page through an incident's tenants earliest deadline first, then by tenant id:
    // the keyset (notice_due_at, tenant_id) > (...) is an index condition here. The older
    // (incident_id, notice_due_at) index stays for the deadline watch and the backlog count.
    await q.query(
      `CREATE INDEX "idx_incident_tenants_due_tenant" ON "incident_tenants" ("incident_id", "notice_due_at", "tenant_id")`,
    );
    // Senders claim the queued deliveries with the earliest deadline across every notice: an
    // ordered scan of this index, stopping after the few rows a claim takes.
    await q.query(
      `CREATE INDEX "idx_deliveries_claim" ON "deliveries" ("notice_due_at", "tenant_id", "id") WHERE status = 'queued'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_deliveries_claim"`);
    await q.query(`DROP INDEX "idx_incident_tenants_due_tenant"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class Acknowledgements1796310000000 implements MigrationInterface {
  name = 'Acknowledgements1796310000000';

  async up(q: QueryRunner): Promise<void> {
    // One acknowledgement per notice and tenant: the unique constraint is what makes a repeated
    // (or concurrent) acknowledge return the first one (INSERT … ON CONFLICT DO NOTHING).
    await q.query(`
      CREATE TABLE "acknowledgements" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "notice_id" uuid NOT NULL,
        "incident_id" uuid NOT NULL,
        "tenant_id" text NOT NULL,
        "acknowledged_at" timestamptz NOT NULL,
        "acknowledged_by" text NOT NULL,
        "actor" text NOT NULL,
        CONSTRAINT "PK_acknowledgements" PRIMARY KEY ("id"),
        CONSTRAINT "uq_acknowledgements_notice_tenant" UNIQUE ("notice_id", "tenant_id"),
        CONSTRAINT "FK_acknowledgements_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "idx_acknowledgements_incident_tenant" ON "acknowledgements" ("incident_id", "tenant_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "acknowledgements"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class ContactVerifications1796310100000 implements MigrationInterface {
  name = 'ContactVerifications1796310100000';

  async up(q: QueryRunner): Promise<void> {
    // Verification state of a tenant's notice contacts (the contacts themselves stay on the
    // tenant, as the API has them). The link's secret is stored only as its SHA-256.
    await q.query(`
      CREATE TABLE "contact_verifications" (
        "tenant_id" text NOT NULL,
        "email" text NOT NULL,
        "name" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "token_sha256" bytea,
        "token_expires_at" timestamptz,
        "requested_at" timestamptz,
        "request_reason" text,
        "verified_at" timestamptz,
        CONSTRAINT "PK_contact_verifications" PRIMARY KEY ("tenant_id", "email"),
        CONSTRAINT "ck_contact_verifications_email" CHECK ("email" = lower("email"))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_contact_verifications_token" ON "contact_verifications" ("token_sha256") WHERE "token_sha256" IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX "idx_contact_verifications_verified" ON "contact_verifications" ("verified_at")`,
    );
    // How far the sweep has compared tenants' contacts with this table (by tenants.updated_at).
    await q.query(`
      CREATE TABLE "contact_sync_state" (
        "id" smallint NOT NULL,
        "synced_through" timestamptz NOT NULL,
        CONSTRAINT "PK_contact_sync_state" PRIMARY KEY ("id"),
        CONSTRAINT "ck_contact_sync_state_one" CHECK ("id" = 1)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "contact_sync_state"`);
    await q.query(`DROP TABLE "contact_verifications"`);
  }
}

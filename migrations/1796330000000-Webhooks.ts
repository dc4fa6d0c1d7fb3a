import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1796330000000 implements MigrationInterface {
  name = 'Webhooks1796330000000';

  async up(q: QueryRunner): Promise<void> {
    // A tenant's endpoints. Secrets are stored sealed (AES-GCM under WEBHOOK_SECRET_KEY); the
    // previous secret keeps signing until previous_secret_expires_at after a rotation.
    await q.query(`
      CREATE TABLE "webhook_endpoints" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" text NOT NULL,
        "url" text NOT NULL,
        "events" text array NOT NULL,
        "secret_sealed" text NOT NULL,
        "previous_secret_sealed" text,
        "previous_secret_expires_at" timestamptz,
        "created_at" timestamptz NOT NULL,
        "created_by" text NOT NULL,
        "rotated_at" timestamptz,
        "deleted_at" timestamptz,
        "disabled_at" timestamptz,
        "disabled_reason" text,
        "failing_since" timestamptz,
        "last_success_at" timestamptz,
        CONSTRAINT "PK_webhook_endpoints" PRIMARY KEY ("id"),
        CONSTRAINT "FK_webhook_endpoints_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "idx_webhook_endpoints_tenant" ON "webhook_endpoints" ("tenant_id") WHERE deleted_at IS NULL`,
    );
    // Every call made, for the endpoint's recent attempts and success rate.
    await q.query(`
      CREATE TABLE "webhook_attempts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "endpoint_id" uuid NOT NULL,
        "message_id" text NOT NULL,
        "event" text NOT NULL,
        "attempted_at" timestamptz NOT NULL,
        "status_code" integer,
        "ok" boolean NOT NULL,
        "error" text,
        "duration_ms" integer NOT NULL,
        CONSTRAINT "PK_webhook_attempts" PRIMARY KEY ("id"),
        CONSTRAINT "FK_webhook_attempts_endpoint" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "idx_webhook_attempts_endpoint" ON "webhook_attempts" ("endpoint_id", "attempted_at")`,
    );
    // Events that are not notices (contacts.verification_needed): their own outbox, sent with
    // the same leases and retries as deliveries. The body is stored: a retry sends the same bytes.
    await q.query(`
      CREATE TABLE "webhook_messages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "endpoint_id" uuid NOT NULL,
        "tenant_id" text NOT NULL,
        "event" text NOT NULL,
        "body" text NOT NULL,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL,
        "next_attempt_at" timestamptz,
        "lease_expires_at" timestamptz,
        "sent_at" timestamptz,
        "failed_at" timestamptz,
        "last_error" text,
        CONSTRAINT "PK_webhook_messages" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_webhook_messages_status" CHECK (status IN ('queued', 'sent', 'failed')),
        CONSTRAINT "FK_webhook_messages_endpoint" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "idx_webhook_messages_claim" ON "webhook_messages" ("created_at", "id") WHERE status = 'queued'`,
    );
    await q.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "CHK_deliveries_channel"`);
    await q.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "CHK_deliveries_channel" CHECK (channel IN ('email', 'dashboard', 'webhook'))`,
    );
    // The webhook sender's claim, in the same deadline order as email's, without walking the emails.
    await q.query(
      `CREATE INDEX "idx_deliveries_webhook_claim" ON "deliveries" ("notice_due_at", "tenant_id", "id") WHERE status = 'queued' AND channel = 'webhook'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_deliveries_webhook_claim"`);
    await q.query(`DELETE FROM "deliveries" WHERE channel = 'webhook'`);
    await q.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "CHK_deliveries_channel"`);
    await q.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "CHK_deliveries_channel" CHECK (channel IN ('email', 'dashboard'))`,
    );
    await q.query(`DROP TABLE "webhook_messages"`);
    await q.query(`DROP TABLE "webhook_attempts"`);
    await q.query(`DROP TABLE "webhook_endpoints"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class NoticesAndDeliveries1764300100000 implements MigrationInterface {
  name = 'NoticesAndDeliveries1764300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notices" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "incident_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "status" text NOT NULL,
        "revision" integer NOT NULL,
        "content" jsonb NOT NULL,
        "content_sha256" text NOT NULL,
        "created_by" text NOT NULL,
        "edited_by" text NOT NULL,
        "approved_revision" integer,
        "approved_sha256" text,
        "approved_at" timestamptz,
        "rejected_by" text,
        "rejected_at" timestamptz,
        "reject_reason" text,
        "sent_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notices" PRIMARY KEY ("id"),
        CONSTRAINT "FK_notices_incident" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "idx_notices_incident" ON "notices" ("incident_id", "created_at")`);
    // One initial notice per incident, however many resolution jobs race to draft it.
    await q.query(
      `CREATE UNIQUE INDEX "uq_notices_initial" ON "notices" ("incident_id") WHERE kind = 'initial'`,
    );

    await q.query(`
      CREATE TABLE "notice_revisions" (
        "notice_id" uuid NOT NULL,
        "revision" integer NOT NULL,
        "content" jsonb NOT NULL,
        "content_sha256" text NOT NULL,
        "edited_by" text NOT NULL,
        "edited_at" timestamptz NOT NULL,
        CONSTRAINT "PK_notice_revisions" PRIMARY KEY ("notice_id", "revision"),
        CONSTRAINT "FK_notice_revisions_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE "notice_approvals" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "notice_id" uuid NOT NULL,
        "revision" integer NOT NULL,
        "content_sha256" text NOT NULL,
        "approver" text NOT NULL,
        "approved_at" timestamptz NOT NULL,
        CONSTRAINT "PK_notice_approvals" PRIMARY KEY ("id"),
        CONSTRAINT "uq_notice_approvals_approver" UNIQUE ("notice_id", "revision", "approver"),
        CONSTRAINT "FK_notice_approvals_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE "deliveries" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "notice_id" uuid NOT NULL,
        "incident_id" uuid NOT NULL,
        "tenant_id" text NOT NULL,
        "channel" text NOT NULL,
        "recipient" text NOT NULL,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "queued_at" timestamptz NOT NULL,
        "sent_at" timestamptz,
        "failed_at" timestamptz,
        "next_attempt_at" timestamptz,
        "last_error" text,
        "message_id" text,
        "content_sha256" text,
        "notice_due_at" timestamptz NOT NULL,
        "met_deadline" boolean,
        "locale" text,
        "lease_expires_at" timestamptz,
        CONSTRAINT "PK_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "uq_deliveries_recipient" UNIQUE ("notice_id", "tenant_id", "channel", "recipient"),
        CONSTRAINT "FK_deliveries_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_deliveries_channel" CHECK (channel IN ('email', 'dashboard')),
        CONSTRAINT "CHK_deliveries_status" CHECK (status IN ('queued', 'sent', 'failed'))
      )`);
    await q.query(
      `CREATE INDEX "idx_deliveries_incident_status" ON "deliveries" ("incident_id", "status")`,
    );
    await q.query(
      `CREATE INDEX "idx_deliveries_notice_status" ON "deliveries" ("notice_id", "status")`,
    );
    await q.query(
      `CREATE INDEX "idx_deliveries_tenant" ON "deliveries" ("tenant_id", "queued_at")`,
    );
    await q.query(`CREATE INDEX "idx_deliveries_queued_at" ON "deliveries" ("queued_at")`);
    // The reconciler's and the completion check's view: only what is still to do.
    await q.query(
      `CREATE INDEX "idx_deliveries_pending" ON "deliveries" ("notice_id", "next_attempt_at") WHERE status = 'queued'`,
    );

    // Progress of each notice's fan-out, so a restarted worker resumes where it stopped.
    await q.query(`
      CREATE TABLE "notice_fanouts" (
        "notice_id" uuid NOT NULL,
        "incident_id" uuid NOT NULL,
        "scope_generation" integer NOT NULL,
        "cursor" text NOT NULL DEFAULT '',
        "pages" integer NOT NULL DEFAULT 0,
        "deliveries" integer NOT NULL DEFAULT 0,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "progressed_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz,
        CONSTRAINT "PK_notice_fanouts" PRIMARY KEY ("notice_id"),
        CONSTRAINT "FK_notice_fanouts_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE "feed_posts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" text NOT NULL,
        "notice_id" uuid NOT NULL,
        "incident_id" uuid NOT NULL,
        "delivery_id" uuid NOT NULL,
        "title" text NOT NULL,
        "content_html" text NOT NULL,
        "content_text" text NOT NULL,
        "locale" text NOT NULL,
        "content_sha256" text NOT NULL,
        "published_at" timestamptz NOT NULL,
        CONSTRAINT "PK_feed_posts" PRIMARY KEY ("id"),
        CONSTRAINT "uq_feed_posts_notice_tenant" UNIQUE ("notice_id", "tenant_id"),
        CONSTRAINT "FK_feed_posts_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "idx_feed_posts_tenant" ON "feed_posts" ("tenant_id", "published_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "feed_posts"`);
    await q.query(`DROP TABLE "notice_fanouts"`);
    await q.query(`DROP TABLE "deliveries"`);
    await q.query(`DROP TABLE "notice_approvals"`);
    await q.query(`DROP TABLE "notice_revisions"`);
    await q.query(`DROP TABLE "notices"`);
  }
}

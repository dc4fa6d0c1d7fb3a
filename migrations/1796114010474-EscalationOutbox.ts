import { MigrationInterface, QueryRunner } from 'typeorm';

export class EscalationOutbox1796114010474 implements MigrationInterface {
  name = 'EscalationOutbox1796114010474';

  async up(q: QueryRunner): Promise<void> {
    // The deadline watch decides an escalation mail in a transaction that Postgres may run again
    // (a deadlock victim); the mail itself is sent after commit from this outbox, once.
    await q.query(`
      CREATE TABLE "escalation_mails" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "message_id" text NOT NULL,
        "recipient" text NOT NULL,
        "subject" text NOT NULL,
        "text_body" text NOT NULL,
        "html_body" text NOT NULL,
        "alerts" integer NOT NULL,
        "created_at" timestamptz NOT NULL,
        "lease_expires_at" timestamptz,
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text,
        "sent_at" timestamptz,
        CONSTRAINT "PK_escalation_mails" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_escalation_mails_message_id" UNIQUE ("message_id")
      )`);
    await q.query(
      `CREATE INDEX "idx_escalation_mails_unsent" ON "escalation_mails" ("created_at") WHERE sent_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "escalation_mails"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class StaffSessions1796200000000 implements MigrationInterface {
  name = 'StaffSessions1796200000000';

  async up(q: QueryRunner): Promise<void> {
    // Console sessions: the cookie holds a random secret, this table only its SHA-256, so a copy
    // of the database does not let anyone sign in. Idle and absolute expiry are both stored.
    await q.query(`
      CREATE TABLE "staff_sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_sha256" bytea NOT NULL,
        "csrf_token" text NOT NULL,
        "actor" text NOT NULL,
        "subject" text NOT NULL,
        "display_name" text NOT NULL,
        "roles" text array NOT NULL,
        "method" text NOT NULL,
        "api_key_id" uuid,
        "created_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        "idle_expires_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz,
        CONSTRAINT "PK_staff_sessions" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_staff_sessions_token" ON "staff_sessions" ("token_sha256")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "staff_sessions"`);
  }
}

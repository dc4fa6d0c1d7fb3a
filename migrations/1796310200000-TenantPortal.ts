import { MigrationInterface, QueryRunner } from 'typeorm';

export class TenantPortal1796310200000 implements MigrationInterface {
  name = 'TenantPortal1796310200000';

  async up(q: QueryRunner): Promise<void> {
    // Portal sessions, as the console's: the cookie holds the secret, this table its SHA-256.
    // Every session belongs to exactly one tenant.
    await q.query(`
      CREATE TABLE "tenant_sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_sha256" bytea NOT NULL,
        "csrf_token" text NOT NULL,
        "tenant_id" text NOT NULL,
        "actor" text NOT NULL,
        "subject" text NOT NULL,
        "display_name" text NOT NULL,
        "method" text NOT NULL,
        "api_key_id" uuid,
        "created_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        "idle_expires_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz,
        CONSTRAINT "PK_tenant_sessions" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_tenant_sessions_token" ON "tenant_sessions" ("token_sha256")`,
    );
    // One-time sign-in links: bound to one tenant and one contact address, short-lived, used once.
    await q.query(`
      CREATE TABLE "portal_sign_in_links" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_sha256" bytea NOT NULL,
        "tenant_id" text NOT NULL,
        "email" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "used_at" timestamptz,
        CONSTRAINT "PK_portal_sign_in_links" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_portal_sign_in_links_token" ON "portal_sign_in_links" ("token_sha256")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "portal_sign_in_links"`);
    await q.query(`DROP TABLE "tenant_sessions"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

// The key installed from ADMIN_API_KEY was found by its name, which any admin could give a key
// too: a decoy named bootstrap-admin was revoked in its place and the old admin key kept working
// after a rotation (issue 20, M3). A flag marks it instead, and its visible prefix, which was
// the first 11 characters of the secret, is derived from the stored hash.
export class BootstrapApiKeyFlag1764301000000 implements MigrationInterface {
  name = 'BootstrapApiKeyFlag1764301000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "api_keys" ADD "bootstrap" boolean NOT NULL DEFAULT false`);
    // The audit log says which keys came from ADMIN_API_KEY; a key merely named so did not.
    await q.query(`
      UPDATE "api_keys" k
         SET "bootstrap" = true,
             "prefix" = 'env_' || left(encode(k."secret_sha256", 'hex'), 7)
       WHERE k."id"::text IN (
         SELECT "entity_id" FROM "audit_events"
          WHERE "action" = 'api-key.created' AND "entity_type" = 'api-key'
            AND "change"->>'source' = 'ADMIN_API_KEY')`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The old lookup needs the secret's first characters, which only the operator has: retire
    // the installed keys so that the next start installs ADMIN_API_KEY afresh.
    await q.query(
      `UPDATE "api_keys" SET "revoked_at" = now(), "revoked_by" = 'system' WHERE "bootstrap" AND "revoked_at" IS NULL`,
    );
    await q.query(`ALTER TABLE "api_keys" DROP COLUMN "bootstrap"`);
  }
}

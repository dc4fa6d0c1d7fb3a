import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764300000000 implements MigrationInterface {
  name = 'Foundation1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "roles" text array NOT NULL,
        "tenant_id" text,
        "prefix" text NOT NULL,
        "secret_sha256" bytea NOT NULL,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz,
        "revoked_at" timestamptz,
        "revoked_by" text,
        "last_used_at" timestamptz,
        CONSTRAINT "PK_api_keys" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "idx_api_keys_prefix" ON "api_keys" ("prefix")`);

    await q.query(`
      CREATE TABLE "tenants" (
        "id" text NOT NULL,
        "name" text NOT NULL,
        "locale" text NOT NULL,
        "time_zone" text NOT NULL,
        "countries" text array NOT NULL,
        "country_match" text array NOT NULL,
        "data_regions" text array NOT NULL,
        "services" text array NOT NULL,
        "industries" text array NOT NULL,
        "flags" jsonb NOT NULL,
        "contractual_notice_hours" integer,
        "contacts" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_tenants" PRIMARY KEY ("id")
      )`);
    // Scope matching is "shares a value with the list": array overlap (&&) on GIN indexes.
    await q.query(
      `CREATE INDEX "idx_tenants_country_match" ON "tenants" USING gin ("country_match")`,
    );
    await q.query(
      `CREATE INDEX "idx_tenants_data_regions" ON "tenants" USING gin ("data_regions")`,
    );
    await q.query(`CREATE INDEX "idx_tenants_services" ON "tenants" USING gin ("services")`);

    await q.query(`
      CREATE TABLE "incidents" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "external_id" text NOT NULL,
        "request_sha256" text NOT NULL,
        "title" text NOT NULL,
        "severity" text NOT NULL,
        "phase" text NOT NULL,
        "status" text NOT NULL,
        "aware_at" timestamptz NOT NULL,
        "occurred_at" timestamptz,
        "description" text NOT NULL,
        "data_impact" jsonb NOT NULL,
        "actions_taken" jsonb NOT NULL,
        "suggested_actions" jsonb NOT NULL,
        "scope" jsonb NOT NULL,
        "scope_generation" integer NOT NULL DEFAULT 1,
        "affected_tenant_count" integer NOT NULL DEFAULT 0,
        "earliest_notice_due_at" timestamptz,
        "rules_version" text,
        "resolved_at" timestamptz,
        "created_by" text NOT NULL,
        "updated_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_incidents" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_incidents_external_id" UNIQUE ("external_id")
      )`);

    await q.query(`
      CREATE TABLE "incident_tenants" (
        "incident_id" uuid NOT NULL,
        "tenant_id" text NOT NULL,
        "notice_due_at" timestamptz NOT NULL,
        "obligations" jsonb NOT NULL,
        "rules_version" text NOT NULL,
        "scope_generation" integer NOT NULL,
        "resolved_at" timestamptz NOT NULL,
        CONSTRAINT "PK_incident_tenants" PRIMARY KEY ("incident_id", "tenant_id"),
        CONSTRAINT "FK_incident_tenants_incident" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "idx_incident_tenants_due" ON "incident_tenants" ("incident_id", "notice_due_at")`,
    );
    // The regulationId filter is a containment query on the compact obligations.
    await q.query(
      `CREATE INDEX "idx_incident_tenants_obligations" ON "incident_tenants" USING gin ("obligations" jsonb_path_ops)`,
    );

    // Each rules version Herald has run with, kept so stored obligations can always be explained.
    await q.query(`
      CREATE TABLE "rule_sets" (
        "version" text NOT NULL,
        "content" jsonb NOT NULL,
        "loaded_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_rule_sets" PRIMARY KEY ("version")
      )`);

    await q.query(`
      CREATE TABLE "audit_events" (
        "seq" bigint NOT NULL,
        "id" uuid NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "entity_type" text NOT NULL,
        "entity_id" text,
        "incident_id" uuid,
        "change" jsonb NOT NULL,
        "prev_hash" text NOT NULL,
        "hash" text NOT NULL,
        CONSTRAINT "PK_audit_events" PRIMARY KEY ("seq"),
        CONSTRAINT "UQ_audit_events_id" UNIQUE ("id")
      )`);
    await q.query(
      `CREATE INDEX "idx_audit_events_entity" ON "audit_events" ("entity_type", "entity_id")`,
    );
    await q.query(`CREATE INDEX "idx_audit_events_incident" ON "audit_events" ("incident_id")`);
    await q.query(`CREATE INDEX "idx_audit_events_actor" ON "audit_events" ("actor")`);
    await q.query(`CREATE INDEX "idx_audit_events_occurred_at" ON "audit_events" ("occurred_at")`);
    // Append-only: the database itself refuses to rewrite history.
    await q.query(`
      CREATE FUNCTION herald_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER "trg_audit_events_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_events"
      FOR EACH ROW EXECUTE FUNCTION herald_audit_append_only()`);
    await q.query(`
      CREATE TRIGGER "trg_audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
      FOR EACH STATEMENT EXECUTE FUNCTION herald_audit_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_events"`);
    await q.query(`DROP FUNCTION herald_audit_append_only()`);
    await q.query(`DROP TABLE "rule_sets"`);
    await q.query(`DROP TABLE "incident_tenants"`);
    await q.query(`DROP TABLE "incidents"`);
    await q.query(`DROP TABLE "tenants"`);
    await q.query(`DROP TABLE "api_keys"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class ComplianceAndRetention1764300600000 implements MigrationInterface {
  name = 'ComplianceAndRetention1764300600000';

  async up(q: QueryRunner): Promise<void> {
    // What the deadline watch has already reported: one row per tenant, incident and state, so
    // each state is recorded (and escalated) once however often the watch runs.
    await q.query(`
      CREATE TABLE "deadline_alerts" (
        "incident_id" uuid NOT NULL,
        "tenant_id" text NOT NULL,
        "state" text NOT NULL,
        "notice_due_at" timestamptz NOT NULL,
        "detected_at" timestamptz NOT NULL DEFAULT now(),
        "audited_at" timestamptz,
        "escalated_at" timestamptz,
        CONSTRAINT "PK_deadline_alerts" PRIMARY KEY ("incident_id", "tenant_id", "state"),
        CONSTRAINT "FK_deadline_alerts_incident" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_deadline_alerts_state" CHECK (state IN ('near', 'missed'))
      )`);
    // Detection inserts a million alerts in one statement; their audit events follow in batches (an outbox).
    await q.query(
      `CREATE INDEX "idx_deadline_alerts_unaudited" ON "deadline_alerts" ("incident_id", "tenant_id", "state") WHERE audited_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX "idx_deadline_alerts_unescalated" ON "deadline_alerts" ("detected_at") WHERE escalated_at IS NULL`,
    );
    // Compliance reports and the watch look up one tenant's deliveries of one incident.
    await q.query(
      `CREATE INDEX "idx_deliveries_incident_tenant" ON "deliveries" ("incident_id", "tenant_id")`,
    );
    // Failures are rare: the watch finds the unreachable tenants of finished incidents through this.
    await q.query(
      `CREATE INDEX "idx_deliveries_failed" ON "deliveries" ("incident_id", "tenant_id") WHERE status = 'failed'`,
    );
    // Retention asks for an incident's last audited activity: an index-only max().
    await q.query(
      `CREATE INDEX "idx_audit_events_incident_occurred_at" ON "audit_events" ("incident_id", "occurred_at")`,
    );
    await q.query(`DROP INDEX "idx_audit_events_incident"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "idx_audit_events_incident" ON "audit_events" ("incident_id")`);
    await q.query(`DROP INDEX "idx_audit_events_incident_occurred_at"`);
    await q.query(`DROP INDEX "idx_deliveries_failed"`);
    await q.query(`DROP INDEX "idx_deliveries_incident_tenant"`);
    await q.query(`DROP TABLE "deadline_alerts"`);
  }
}

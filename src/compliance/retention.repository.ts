import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface ExpiredIncident {
  id: string;
  externalId: string;
  lastActivityAt: Date;
}

export interface PurgeCounts {
  deliveries: number;
  feedPosts: number;
  notices: number;
  incidentTenants: number;
  incidents: number;
}

// An incident's last activity: its latest audit event (every change to it, its notices and its
// deliveries is audited), or its own last update.
const LAST_ACTIVITY = `greatest(i.updated_at, (SELECT max(a.occurred_at) FROM audit_events a WHERE a.incident_id = i.id))`;

/** Deletes the operational records of incidents nobody has touched for RETENTION_DAYS; never the audit log. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  expired(cutoff: Date, afterId: string | null, limit: number): Promise<ExpiredIncident[]> {
    return this.dataSource.query(
      `SELECT i.id, i.external_id AS "externalId", ${LAST_ACTIVITY} AS "lastActivityAt"
       FROM incidents i
       WHERE i.updated_at < $1 AND ($2::uuid IS NULL OR i.id > $2::uuid) AND ${LAST_ACTIVITY} < $1
       ORDER BY i.id
       LIMIT $3`,
      [cutoff, afterId, limit],
    );
  }

  /** Locks the incident and re-reads its last activity inside the purge's transaction. */
  async lockLastActivity(manager: EntityManager, id: string): Promise<Date | null> {
    const rows: Array<{ lastActivityAt: Date }> = await manager.query(
      `SELECT ${LAST_ACTIVITY} AS "lastActivityAt" FROM incidents i WHERE i.id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0]?.lastActivityAt ?? null;
  }

  /** Feed posts, deliveries, notices (with revisions, approvals, fan-outs, shared post bodies), affected tenants, the incident. */
  async purge(manager: EntityManager, id: string): Promise<PurgeCounts> {
    const count = async (sql: string): Promise<number> => {
      const [row]: Array<{ n: number }> = await manager.query(
        `WITH gone AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [id],
      );
      return row.n;
    };
    const feedPosts = await count(
      `DELETE FROM feed_posts WHERE notice_id IN (SELECT n.id FROM notices n WHERE n.incident_id = $1)`,
    );
    const deliveries = await count(`DELETE FROM deliveries WHERE incident_id = $1`);
    const notices = await count(`DELETE FROM notices WHERE incident_id = $1`);
    const incidentTenants = await count(`DELETE FROM incident_tenants WHERE incident_id = $1`);
    const incidents = await count(`DELETE FROM incidents WHERE id = $1`);
    return { deliveries, feedPosts, notices, incidentTenants, incidents };
  }
}

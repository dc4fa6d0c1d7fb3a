import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface AcknowledgementRow {
  noticeId: string;
  incidentId: string;
  tenantId: string;
  acknowledgedAt: Date;
  acknowledgedBy: string;
}

const COLUMNS = `notice_id AS "noticeId", incident_id AS "incidentId", tenant_id AS "tenantId",
  acknowledged_at AS "acknowledgedAt", acknowledged_by AS "acknowledgedBy"`;

@Injectable()
export class AcknowledgementsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The new acknowledgement, or null when this tenant had already acknowledged the notice: the
   * unique constraint decides, so two at once still make one.
   */
  async insertFirst(
    manager: EntityManager,
    row: AcknowledgementRow & { actor: string },
  ): Promise<AcknowledgementRow | null> {
    const rows: AcknowledgementRow[] = await manager.query(
      `INSERT INTO acknowledgements (notice_id, incident_id, tenant_id, acknowledged_at, acknowledged_by, actor)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (notice_id, tenant_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        row.noticeId,
        row.incidentId,
        row.tenantId,
        row.acknowledgedAt,
        row.acknowledgedBy,
        row.actor,
      ],
    );
    return rows[0] ?? null;
  }

  async find(
    manager: EntityManager,
    noticeId: string,
    tenantId: string,
  ): Promise<AcknowledgementRow | null> {
    const rows: AcknowledgementRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM acknowledgements WHERE notice_id = $1 AND tenant_id = $2`,
      [noticeId, tenantId],
    );
    return rows[0] ?? null;
  }

  /** Per tenant, its first acknowledgement of any notice of the incident. */
  async firstPerTenant(incidentId: string, tenantIds: string[]): Promise<AcknowledgementRow[]> {
    if (tenantIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT DISTINCT ON (tenant_id) ${COLUMNS} FROM acknowledgements
        WHERE incident_id = $1 AND tenant_id = ANY($2::text[])
        ORDER BY tenant_id, acknowledged_at, notice_id`,
      [incidentId, tenantIds],
    );
  }

  async ofNotices(tenantId: string, noticeIds: string[]): Promise<AcknowledgementRow[]> {
    if (noticeIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM acknowledgements WHERE tenant_id = $1 AND notice_id = ANY($2::uuid[])`,
      [tenantId, noticeIds],
    );
  }
}

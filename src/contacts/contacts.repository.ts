import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface VerificationRow {
  tenantId: string;
  email: string;
  name: string;
  createdAt: Date;
  requestedAt: Date | null;
  requestReason: 'new' | 'reconfirm' | null;
  verifiedAt: Date | null;
}

const COLUMNS = `tenant_id AS "tenantId", email, name, created_at AS "createdAt", requested_at AS "requestedAt",
  request_reason AS "requestReason", verified_at AS "verifiedAt"`;

@Injectable()
export class ContactsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's rows, locked: two syncs of one tenant take turns. */
  async lockTenant(manager: EntityManager, tenantId: string): Promise<VerificationRow[]> {
    // A transaction-scoped advisory lock also covers a tenant that has no rows yet.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('contacts:' || $1))`, [tenantId]);
    return manager.query(
      `SELECT ${COLUMNS} FROM contact_verifications WHERE tenant_id = $1 ORDER BY email`,
      [tenantId],
    );
  }

  async ofTenants(tenantIds: string[]): Promise<VerificationRow[]> {
    if (tenantIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM contact_verifications WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id, email`,
      [tenantIds],
    );
  }

  async insert(
    manager: EntityManager,
    tenantId: string,
    rows: Array<{ email: string; name: string }>,
    now: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO contact_verifications (tenant_id, email, name, created_at)
       SELECT $1, r.email, r.name, $3 FROM jsonb_to_recordset($2::jsonb) AS r(email text, name text)
       ON CONFLICT (tenant_id, email) DO NOTHING`,
      [tenantId, JSON.stringify(rows), now],
    );
  }

  async remove(manager: EntityManager, tenantId: string, emails: string[]): Promise<void> {
    if (emails.length === 0) return;
    await manager.query(
      `DELETE FROM contact_verifications WHERE tenant_id = $1 AND email = ANY($2::text[])`,
      [tenantId, emails],
    );
  }

  /**
   * Up to `limit` addresses to ask now, each claimed with its new token in the same statement
   * (so two workers never ask one address twice): not verified, or verified before `cutoff`;
   * and not asked since (a verification clears the request), or asked with a link now expired.
   */
  async claimRequests(
    manager: EntityManager,
    cutoff: Date,
    limit: number,
    now: Date,
    token: (row: { tenantId: string; email: string }) => Buffer,
    expiresAt: Date,
    only?: { tenantId: string },
  ): Promise<Array<VerificationRow & { reason: 'new' | 'reconfirm' }>> {
    {
      const params: unknown[] = [cutoff, limit, now];
      let tenant = '';
      if (only) {
        params.push(only.tenantId);
        tenant = 'AND tenant_id = $4';
      }
      const due: Array<VerificationRow & { reason: 'new' | 'reconfirm' }> = await manager.query(
        `SELECT ${COLUMNS}, CASE WHEN verified_at IS NULL THEN 'new' ELSE 'reconfirm' END AS reason
           FROM contact_verifications
          WHERE (verified_at IS NULL OR verified_at <= $1)
            AND (requested_at IS NULL OR token_expires_at <= $3)
            ${tenant}
          ORDER BY tenant_id, email LIMIT $2 FOR UPDATE SKIP LOCKED`,
        params,
      );
      for (const row of due)
        await manager.query(
          `UPDATE contact_verifications SET token_sha256 = $3, token_expires_at = $4, requested_at = $5, request_reason = $6
            WHERE tenant_id = $1 AND email = $2`,
          [row.tenantId, row.email, token(row), expiresAt, now, row.reason],
        );
      return due;
    }
  }

  /** A request whose mail could not be sent: asked again on the next sweep. */
  async unclaim(tenantId: string, email: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE contact_verifications SET requested_at = NULL, token_sha256 = NULL, token_expires_at = NULL
        WHERE tenant_id = $1 AND email = $2`,
      [tenantId, email],
    );
  }

  /** Marks the token's address verified (once: the token is cleared); null for an unknown, used or expired token. */
  async verifyByToken(
    manager: EntityManager,
    tokenSha256: Buffer,
    tenantId: string,
    now: Date,
  ): Promise<VerificationRow | null> {
    const [rows]: [VerificationRow[], number] = await manager.query(
      `UPDATE contact_verifications
          SET verified_at = $3, token_sha256 = NULL, token_expires_at = NULL, requested_at = NULL, request_reason = NULL
        WHERE token_sha256 = $1 AND tenant_id = $2 AND token_expires_at > $3
        RETURNING ${COLUMNS}`,
      [tokenSha256, tenantId, now],
    );
    return rows[0] ?? null;
  }

  async syncedThrough(): Promise<Date | null> {
    const rows: Array<{ at: Date }> = await this.dataSource.query(
      `SELECT synced_through AS at FROM contact_sync_state WHERE id = 1`,
    );
    return rows[0]?.at ?? null;
  }

  async setSyncedThrough(at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO contact_sync_state (id, synced_through) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET synced_through = GREATEST(contact_sync_state.synced_through, EXCLUDED.synced_through)`,
      [at],
    );
  }
}

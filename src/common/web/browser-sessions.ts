import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager, type EntityTarget } from 'typeorm';
import { expiries, type SessionPolicy } from '../domain/session-policy.js';

/** What every browser session row (console, portal) holds besides who it is. */
export interface BrowserSessionRow {
  id: string;
  tokenSha256: Buffer;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  idleExpiresAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

// Written only when a session was last seen this long ago: not one UPDATE per request.
const TOUCH_AFTER_MS = 15_000;

export const secretSha256 = (token: string): Buffer => createHash('sha256').update(token).digest();

/** A new session's secrets and times: the token goes into the cookie and is never stored. */
export function newSession(
  now: Date,
  policy: SessionPolicy,
): { token: string; row: Omit<BrowserSessionRow, 'id'> } {
  const token = randomBytes(32).toString('base64url');
  return {
    token,
    row: {
      tokenSha256: secretSha256(token),
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      ...expiries(now, policy, now),
      revokedAt: null,
    },
  };
}

/**
 * A table of browser sessions. A session opened with an API key (api_key_id) ends when that key
 * is revoked or expires: finding a live session asks the key's row on every request.
 */
export class BrowserSessionStore<E extends BrowserSessionRow> {
  constructor(
    protected readonly dataSource: DataSource,
    private readonly table: 'staff_sessions' | 'tenant_sessions',
    private readonly entity: EntityTarget<E>,
    /** Columns emptied when a session ends (what it kept only while live, e.g. an ID token). */
    private readonly clearedOnRevoke: readonly string[] = [],
  ) {}

  insert(manager: EntityManager, session: E): Promise<E> {
    return manager.save(this.entity, session);
  }

  /** The live session for a cookie's token at `now`, touched when last seen a while ago. */
  async authenticate(token: string, now: Date, policy: SessionPolicy): Promise<E | null> {
    if (token.length < 20 || token.length > 100) return null;
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT s.id FROM ${this.table} s
         LEFT JOIN api_keys k ON k.id = s.api_key_id
        WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL
          AND s.idle_expires_at > $2 AND s.expires_at > $2
          AND (s.api_key_id IS NULL OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)))`,
      [secretSha256(token), now],
    );
    if (!rows[0]) return null;
    const session = (await this.dataSource.manager.findOneBy(this.entity, {
      id: rows[0].id,
    } as never)) as E | null;
    if (!session) return null;
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_AFTER_MS) {
      const { idleExpiresAt } = expiries(session.createdAt, policy, now);
      await this.dataSource.query(
        `UPDATE ${this.table} SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1 AND revoked_at IS NULL`,
        [session.id, now, idleExpiresAt],
      );
      session.lastSeenAt = now;
      session.idleExpiresAt = idleExpiresAt;
    }
    return session;
  }

  /** Ends the session; false when it had already ended. */
  async revoke(manager: EntityManager, id: string, now: Date): Promise<boolean> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE ${this.table} SET revoked_at = $2${this.clearedOnRevoke.map((c) => `, ${c} = NULL`).join('')}
        WHERE id = $1 AND revoked_at IS NULL`,
      [id, now],
    );
    return result[1] > 0;
  }
}

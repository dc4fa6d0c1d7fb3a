import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ShardedAuditLog1796200100000 } from '../../migrations/1796200100000-ShardedAuditLog.js';
import { createHttpApp } from '../../src/app.factory.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { GENESIS_HASH, hashEvent, StoredEvent } from '../../src/audit/domain/audit-chain.js';
import { loadConfig } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { tenantBody } from '../factories/tenant.factory.js';
import {
  asSuperuserWithoutTriggers,
  auditRows,
  AuditRow,
  restoreRows,
  withClient,
} from '../support/audit-tamper.js';
import { databaseUrl, withAdminClient } from '../support/databases.js';
import { bearer, clearQueues, testEnv } from '../support/test-app.js';
import { randomBytes } from 'node:crypto';

const LEGACY_EVENTS = 5;

/** A database migrated as Herald was before sharding, holding a format-1 chain, then migrated on. */
async function databaseWithLegacyLog(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `herald_test_${process.env.HERALD_TEST_RUN}_${randomBytes(5).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(ShardedAuditLog1796200100000));
  const old = new DataSource(
    dataSourceOptions(url, { migrations: before, logging: false, extra: { max: 1 } }),
  );
  await old.initialize();
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= LEGACY_EVENTS; seq++) {
    const fields = {
      seq: String(seq),
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      occurredAt: `2026-11-2${seq}T10:00:00.000Z`,
      actor: 'old-herald',
      action: 'tenant.created',
      entityType: 'tenant',
      entityId: `legacy-${seq}`,
      incidentId: null,
      change: { name: `Légacy ${seq}` },
    };
    const event: StoredEvent = { ...fields, prevHash, hash: hashEvent(prevHash, fields) };
    if (seq === 1) await old.runMigrations({ transaction: 'each' });
    await old.query(
      `INSERT INTO audit_events (seq, id, occurred_at, actor, action, entity_type, entity_id, change, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)`,
      [
        event.seq,
        event.id,
        event.occurredAt,
        event.actor,
        event.action,
        event.entityType,
        event.entityId,
        JSON.stringify(event.change),
        event.prevHash,
        event.hash,
      ],
    );
    prevHash = event.hash;
  }
  await old.destroy();
  const current = new DataSource(dataSourceOptions(url, { logging: false, extra: { max: 1 } }));
  await current.initialize();
  await current.runMigrations({ transaction: 'each' });
  await current.destroy();
  return {
    url,
    drop: () =>
      withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

interface Verified {
  verifiedAt: string;
  valid: boolean;
  events: number;
  headSeq: string;
  firstBroken?: Record<string, string | number>;
  checkpoint?: {
    seq: string;
    hash: string;
    valid: boolean;
    eventsAfter: number;
    signature: string;
    detail: string;
  };
}

describe('sharded audit log', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let db: { url: string; drop: () => Promise<void> };
  let prefix: string;
  let auditor: string;
  let adminKey: string;

  const verify = async (): Promise<Verified> => {
    const res = await http.get('/v1/audit/verify').set(bearer(auditor));
    expect(res.status).toBe(200);
    return res.body as Verified;
  };
  const rows = (where: string, params: unknown[] = []) => auditRows(db.url, where, params);
  /** The newest two events of the shard with the most events (so it has a predecessor). */
  const busiestShard = async () => {
    const [{ shard }] = await withClient(
      db.url,
      async (c) =>
        (
          await c.query(
            `SELECT shard FROM audit_events WHERE shard IS NOT NULL GROUP BY shard ORDER BY count(*) DESC LIMIT 1`,
          )
        ).rows as Array<{ shard: number }>,
    );
    return rows('shard = $1', [shard]);
  };

  beforeAll(async () => {
    db = await databaseWithLegacyLog();
    const env = testEnv(db.url, {
      AUDIT_SHARDS: '4',
      AUDIT_CHECKPOINT_INTERVAL_MS: '86400000',
      AUDIT_CHECKPOINT_KEY: 'test-checkpoint-key-0123456789abcdef',
    });
    prefix = env.QUEUE_PREFIX;
    app = await createHttpApp(loadConfig(env));
    await app.listen(0, '127.0.0.1');
    http = request(app.getHttpServer());
    adminKey = env.ADMIN_API_KEY;
    const admin = bearer(adminKey);
    const key = await http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'auditor-ann', roles: ['auditor'] });
    auditor = (key.body as { key: string }).key;
    // Concurrent writers spread over the shards.
    const statuses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        http
          .put(`/v1/tenants/sharded-${i}`)
          .set(admin)
          .send(tenantBody({ id: `sharded-${i}` }))
          .then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect(await app.get(AuditService).checkpoint()).not.toBeNull();
  });
  afterAll(async () => {
    await app.close();
    await clearQueues(prefix);
    await db.drop();
  });

  it('should verify the old chain and the shards together when nothing was touched', async () => {
    const all = await rows('TRUE');
    const result = await verify();
    expect(result).toMatchObject({
      valid: true,
      events: all.length,
      headSeq: String(all.at(-1)?.seq),
    });
    expect(result.firstBroken).toBeUndefined();
    expect(all.slice(0, LEGACY_EVENTS).every((r) => r.shard === null)).toBe(true);
    expect(new Set(all.slice(LEGACY_EVENTS).map((r) => r.shard)).size).toBeGreaterThan(1);
    expect(result.checkpoint).toMatchObject({
      seq: '1',
      valid: true,
      eventsAfter: 0,
      signature: 'signed',
    });
  });

  it('should name the edited event when a shard event is rewritten', async () => {
    const [target] = (await busiestShard()).slice(-2);
    await asSuperuserWithoutTriggers(
      db.url,
      `UPDATE audit_events SET change = change || '{"name": "forged"}'::jsonb WHERE seq = $1`,
      [target.seq],
    );
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.firstBroken).toMatchObject({
        kind: 'hash',
        seq: target.seq,
        id: target.id,
        shard: target.shard,
      });
    } finally {
      await asSuperuserWithoutTriggers(
        db.url,
        `UPDATE audit_events SET change = $2::jsonb WHERE seq = $1`,
        [target.seq, JSON.stringify(target.change)],
      );
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should name the deleted event when an event in the middle of a shard is removed', async () => {
    const [target, next] = (await busiestShard()).slice(-2);
    await asSuperuserWithoutTriggers(db.url, `DELETE FROM audit_events WHERE seq = $1`, [
      target.seq,
    ]);
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.firstBroken).toMatchObject({
        kind: 'gap',
        expectedSeq: target.seq,
        seq: next.seq,
        shard: target.shard,
      });
      expect(result.firstBroken?.detail).toContain(`event ${target.seq} is missing`);
    } finally {
      await restoreRows(db.url, [target]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should name the first of two events swapped in the log', async () => {
    const [a, b] = (await busiestShard()).slice(-2);
    await asSuperuserWithoutTriggers(db.url, [
      `UPDATE audit_events SET seq = -1 WHERE seq = ${String(a.seq)}`,
      `UPDATE audit_events SET seq = ${String(a.seq)} WHERE seq = ${String(b.seq)}`,
      `UPDATE audit_events SET seq = ${String(b.seq)} WHERE seq = -1`,
    ]);
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.firstBroken).toMatchObject({ kind: 'hash', seq: a.seq, id: b.id });
    } finally {
      await asSuperuserWithoutTriggers(
        db.url,
        `DELETE FROM audit_events WHERE seq IN (${String(a.seq)}, ${String(b.seq)})`,
      );
      await restoreRows(db.url, [a, b]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should name the cut-off event when the newest events are removed after a checkpoint', async () => {
    const newest = (await rows('TRUE')).slice(-3);
    const [checkpoint] = await withClient(
      db.url,
      async (c) =>
        (await c.query(`SELECT heads FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`))
          .rows as Array<{ heads: Array<{ seq: string }> }>,
    );
    const cut = new Set(newest.map((r) => String(r.seq)));
    const lowestCutHead = checkpoint.heads
      .map((h) => h.seq)
      .filter((s) => cut.has(s))
      .sort((x, y) => Number(x) - Number(y))[0];
    expect(lowestCutHead).toBeDefined();
    await asSuperuserWithoutTriggers(db.url, `DELETE FROM audit_events WHERE seq >= $1`, [
      newest[0].seq,
    ]);
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.firstBroken).toMatchObject({
        kind: 'truncated',
        seq: lowestCutHead,
        checkpointSeq: '1',
      });
      expect(result.firstBroken?.detail).toContain('cut off');
    } finally {
      await restoreRows(db.url, newest);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should name the old-format event when the log from before sharding is edited or cut back', async () => {
    const [third] = await rows('seq = 3');
    await asSuperuserWithoutTriggers(
      db.url,
      `UPDATE audit_events SET actor = 'mallory' WHERE seq = 3`,
    );
    try {
      expect((await verify()).firstBroken).toMatchObject({ kind: 'hash', seq: '3', id: third.id });
    } finally {
      await asSuperuserWithoutTriggers(db.url, `UPDATE audit_events SET actor = $1 WHERE seq = 3`, [
        third.actor,
      ]);
    }
    const [last] = await rows('seq = $1', [LEGACY_EVENTS]);
    await asSuperuserWithoutTriggers(db.url, `DELETE FROM audit_events WHERE seq = $1`, [
      LEGACY_EVENTS,
    ]);
    try {
      // The checkpoint committed shard 0's head, the last event of the old chain.
      expect((await verify()).firstBroken).toMatchObject({
        kind: 'truncated',
        seq: String(LEGACY_EVENTS),
        shard: 0,
      });
    } finally {
      await restoreRows(db.url, [last]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should fail the checkpoint when a checkpoint is forged without the key', async () => {
    const before = await verify();
    const forged: AuditRow[] = await withClient(
      db.url,
      async (c) =>
        (await c.query(`SELECT * FROM audit_checkpoints WHERE seq = 1`)).rows as AuditRow[],
    );
    await asSuperuserWithoutTriggers(
      db.url,
      `UPDATE audit_checkpoints SET signature = $1 WHERE seq = 1`,
      ['0'.repeat(64)],
    );
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.checkpoint).toMatchObject({ seq: '1', valid: false });
      expect(result.checkpoint?.detail).toContain('not signed');
    } finally {
      await asSuperuserWithoutTriggers(
        db.url,
        `UPDATE audit_checkpoints SET signature = $1 WHERE seq = 1`,
        [forged[0].signature],
      );
    }
    expect({ ...(await verify()), verifiedAt: before.verifiedAt }).toEqual(before);
  });

  it('should count the events after the checkpoint until the next one covers them', async () => {
    const audit = app.get(AuditService);
    expect(await audit.checkpoint()).toBeNull(); // nothing appended since the last
    const put = await http
      .put('/v1/tenants/after-checkpoint')
      .set(bearer(adminKey))
      .send(tenantBody({ id: 'after-checkpoint' }));
    expect(put.status).toBe(201);
    expect((await verify()).checkpoint).toMatchObject({ seq: '1', eventsAfter: 1 });
    // The timer's call (every worker runs one) skips while the last checkpoint is recent.
    expect(await audit.checkpoint({ unlessYoungerThanMs: 3_600_000 })).toBeNull();
    expect(await audit.checkpoint()).toMatchObject({ seq: '2' });
    expect(await verify()).toMatchObject({
      valid: true,
      checkpoint: { seq: '2', eventsAfter: 0, valid: true },
    });
  });

  it('should fail a verify anchored on a recorded checkpoint when the newest checkpoint and events are cut off', async () => {
    const recorded = (await verify()).checkpoint as NonNullable<Verified['checkpoint']>;
    expect(recorded.seq).toBe('2');
    const [checkpointRow] = await withClient(
      db.url,
      async (c) =>
        (await c.query(`SELECT * FROM audit_checkpoints WHERE seq = 2`)).rows as AuditRow[],
    );
    const [newest] = (await rows('TRUE')).slice(-1);
    await asSuperuserWithoutTriggers(db.url, [
      `DELETE FROM audit_checkpoints WHERE seq = 2`,
      `DELETE FROM audit_events WHERE seq = ${String(newest.seq)}`,
    ]);
    const anchored = `/v1/audit/verify?checkpointSeq=2&checkpointHash=${recorded.hash}`;
    try {
      // Checkpoint 1 did not commit the removed event: only the recorded checkpoint shows the cut.
      expect((await verify()).valid).toBe(true);
      const res = await http.get(anchored).set(bearer(auditor));
      expect(res.body).toMatchObject({
        valid: false,
        checkpointAnchor: { seq: '2', matches: false },
      });
      expect(res.body.checkpointAnchor.detail).toContain('checkpoint 2 is no longer in the log');
    } finally {
      await restoreRows(db.url, [newest]);
      await withClient(db.url, (c) =>
        c.query(
          `INSERT INTO audit_checkpoints (seq, created_at, root, heads, prev_hash, hash, signature)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
          [
            checkpointRow.seq,
            checkpointRow.created_at,
            checkpointRow.root,
            JSON.stringify(checkpointRow.heads),
            checkpointRow.prev_hash,
            checkpointRow.hash,
            checkpointRow.signature,
          ],
        ),
      );
    }
    const res = await http.get(anchored).set(bearer(auditor));
    expect(res.body).toMatchObject({ valid: true, checkpointAnchor: { matches: true } });
  });

  it('should reject a checkpoint seq without its hash when verifying', async () => {
    const res = await http.get('/v1/audit/verify?checkpointSeq=1').set(bearer(auditor));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('checkpointHash');
  });

  it('should refuse to append when the caller passes a manager outside a transaction', async () => {
    const before = (await rows('TRUE')).length;
    const event = {
      actor: 'x',
      action: 'tenant.updated',
      entityType: 'tenant' as const,
      change: {},
    };
    await expect(
      app.get(AuditService).append(app.get(DataSource).manager, [event]),
    ).rejects.toThrow(/caller’s transaction/);
    expect(await rows('TRUE')).toHaveLength(before);
  });
});

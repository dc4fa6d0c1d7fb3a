import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import request from 'supertest';
import { createHttpApp } from '../../src/app.factory.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config/app-config.js';
import { runMigrations } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { runId, withAdminClient } from '../support/databases.js';
import { PgBouncer, pgbouncerBinary, startPgBouncer } from '../support/pgbouncer.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, clearQueues, eventually, testEnv } from '../support/test-app.js';

const binary = pgbouncerBinary();
if (!binary)
  console.warn(
    'SKIPPED the PgBouncer e2e spec: no pgbouncer binary (apt-get install -y pgbouncer; .ci/run installs it)',
  );
const describeWithBouncer = binary ? describe : describe.skip;

describeWithBouncer('Herald behind PgBouncer in transaction mode', () => {
  const name = `herald_test_${runId()}_pgbouncer`;
  let bouncer: PgBouncer;
  let sink: SmtpSink;
  let apps: NestExpressApplication[] = [];
  let prefix: string;

  beforeAll(async () => {
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
    // Two server connections for everything: Herald's pools (20 each) share them per transaction.
    bouncer = await startPgBouncer(binary as string, 2);
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
    if (prefix) await clearQueues(prefix);
    await sink?.stop();
    await bouncer?.stop();
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  it('should apply every migration once when three processes migrate through the bouncer at once', async () => {
    const url = bouncer.url(name);
    const results = await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
    expect(results.flat()).toHaveLength(MIGRATIONS.length);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    expect(await runMigrations(url)).toEqual([]);
  });

  it('should run the whole flow and keep a valid audit log when two instances share two server connections', async () => {
    const env = testEnv(bouncer.url(name), { SMTP_URL: sink.url, RUN_MIGRATIONS: 'true' });
    prefix = env.QUEUE_PREFIX;
    for (let i = 0; i < 2; i++) {
      const app = await createHttpApp(loadConfig(env));
      await app.listen(0, '127.0.0.1');
      apps.push(app);
    }
    const [a, b] = apps.map((app) => request(app.getHttpServer()));
    const key = async (roles: string[], keyName: string) => {
      const res = await a
        .post('/v1/api-keys')
        .set(bearer(env.ADMIN_API_KEY))
        .send({ name: keyName, roles });
      expect(res.status).toBe(201);
      return (res.body as { key: string }).key;
    };
    const reporter = await key(['reporter'], 'incident-system');
    const comms = await key(['comms'], 'alice-comms');
    const auditor = await key(['auditor'], 'audit');

    const tenants = Array.from({ length: 30 }, (_, i) =>
      tenantBody({
        id: `pgb-${i}`,
        contacts: [{ name: `T${i}`, email: `sec@pgb-${i}.example`, role: 'primary' }],
      }),
    );
    expect(
      (await b.post('/v1/tenants/bulk').set(bearer(env.ADMIN_API_KEY)).send({ tenants })).status,
    ).toBe(200);

    const post = await a.post('/v1/incidents').set(bearer(reporter)).send(incidentBody());
    expect(post.status).toBe(202);
    const id = post.body.id as string;
    const notice = await eventually(async () => {
      const r = await b.get(`/v1/incidents/${id}/notices`).set(bearer(comms));
      return (r.body.items as Array<{ id: string; status: string }> | undefined)?.[0];
    }, 60_000);
    expect(notice.status).toBe('draft');
    expect((await b.post(`/v1/notices/${notice.id}/approve`).set(bearer(comms))).status).toBe(200);
    await eventually(async () => {
      const r = await a.get(`/v1/incidents/${id}`).set(bearer(auditor));
      return r.body.status === 'delivered' ? r.body : undefined;
    }, 60_000);

    const rcpts = sink.messages.flatMap((m) => m.envelope.rcptTo).sort();
    expect(rcpts).toEqual(tenants.map((_, i) => `sec@pgb-${i}.example`).sort());
    const deliveries = await a
      .get(`/v1/deliveries?incidentId=${id}&limit=1000`)
      .set(bearer(auditor));
    expect(deliveries.body.items).toHaveLength(60); // an email and a dashboard post per tenant
    expect(deliveries.body.items.every((d: { status: string }) => d.status === 'sent')).toBe(true);

    expect(await apps[0].get(AuditService).checkpoint()).not.toBeNull();
    const verify = await b.get('/v1/audit/verify').set(bearer(auditor));
    expect(verify.body).toMatchObject({ valid: true, checkpoint: { valid: true, eventsAfter: 0 } });
    const sent = await eventually(async () => {
      const c = new Client({ connectionString: bouncer.url(name) });
      await c.connect();
      try {
        const r = await c.query(
          `SELECT count(*)::int AS n FROM audit_events WHERE action = 'delivery.sent'`,
        );
        return r.rows[0].n as number;
      } finally {
        await c.end();
      }
    });
    expect(sent).toBe(60);
    expect(bouncer.log()).not.toMatch(/prepared statement .* does not exist|ERROR/);
  });
});

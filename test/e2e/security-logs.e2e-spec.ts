import { randomBytes } from 'node:crypto';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { DbProbe } from '../support/security.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// Everything the app writes (Nest's JSON logs on stdout/stderr, TypeORM's console output) across
// a whole flow at the most verbose level, checked for secrets: API keys, ADMIN_API_KEY, the SMTP
// password, and the text of the emails it sent.

describe('security: nothing secret in the logs', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const smtpPassword = `smtp-pass-${randomBytes(12).toString('hex')}`;
  const marker = `BODY-MARKER-${randomBytes(8).toString('hex')}`;
  const captured: string[] = [];
  const spies: jest.SpyInstance[] = [];
  const secrets: string[] = [];

  const capture = (chunk: unknown): void => {
    captured.push(
      typeof chunk === 'string'
        ? chunk
        : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString('utf8')
          : String(chunk),
    );
  };

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          capture(chunk);
          return true;
        }),
      );
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      spies.push(
        jest
          .spyOn(console, method)
          .mockImplementation((...args: unknown[]) =>
            args.forEach((a) => capture(typeof a === 'string' ? a : JSON.stringify(a))),
          ),
      );
    }
    sink = await startSmtpSink();
    const smtpUrl = new URL(sink.url);
    smtpUrl.username = 'herald-relay';
    smtpUrl.password = smtpPassword;
    t = await startTestApp({ SMTP_URL: smtpUrl.toString(), LOG_LEVEL: 'verbose' });
    secrets.push(t.adminKey, smtpPassword);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    for (const spy of spies) spy.mockRestore();
  });

  async function newKey(name: string, roles: string[], tenantId?: string): Promise<string> {
    const res = await t.http
      .post('/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ name, roles, ...(tenantId ? { tenantId } : {}) });
    expect(res.status).toBe(201);
    const key = res.body.key as string;
    secrets.push(key, key.slice(12));
    return key;
  }

  it('should log no API key, ADMIN_API_KEY, SMTP password or email body across a whole flow', async () => {
    const reporter = await newKey('log-reporter', ['reporter']);
    const comms = await newKey('log-comms', ['comms']);
    const auditor = await newKey('log-auditor', ['auditor']);
    const tenants = [
      tenantBody({
        id: 'log-a',
        contacts: [{ name: 'Ada', email: 'ada@log-a.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'log-b',
        locale: 'de-DE',
        contacts: [{ name: 'Bea', email: 'bea@log-b.example', role: 'security' }],
      }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
    const tenantKey = await newKey('log-tenant', ['tenant'], 'log-a');
    expect(
      (
        await t.http
          .put('/v1/tenants/log-a/contacts')
          .set(bearer(tenantKey))
          .send({ contacts: tenants[0].contacts })
      ).status,
    ).toBe(200);

    // Failed authentications with key-shaped secrets are logged (if at all) without the key.
    const wrong = `hk_${randomBytes(6).toString('base64url').slice(0, 8)}_${randomBytes(32).toString('base64url')}`;
    secrets.push(wrong);
    expect((await t.http.get('/v1/regulations').set(bearer(wrong))).status).toBe(401);

    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          description: `Mail metadata was read. ${marker}`,
          scope: { tenantIds: ['log-a', 'log-b'] },
        }),
      );
    expect(post.status).toBe(202);
    const incidentId = post.body.id as string;
    const notice = await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${incidentId}/notices`).set(bearer(comms));
      return (r.body.items as Array<{ id: string }> | undefined)?.[0];
    });
    const preview = await t.http
      .get(`/v1/notices/${notice.id}/preview?tenantId=log-a`)
      .set(bearer(auditor));
    expect(preview.status).toBe(200);
    expect((await t.http.post(`/v1/notices/${notice.id}/approve`).set(bearer(comms))).status).toBe(
      200,
    );

    const messages = await sink.waitFor(2, 20_000);
    expect(messages.every((m) => m.authUser === 'herald-relay')).toBe(true);
    await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(auditor));
      return r.body.status === 'delivered' ? true : undefined;
    });
    expect(
      (await t.http.get(`/v1/deliveries?incidentId=${incidentId}`).set(bearer(auditor))).status,
    ).toBe(200);
    expect((await t.http.get('/v1/tenants/log-a/feed').set(bearer(tenantKey))).status).toBe(200);

    // What was mailed: the marker, and every longer line of each text and HTML body.
    const bodies: string[] = [marker];
    for (const m of messages) {
      const parsed = await m.parse();
      expect(parsed.text).toContain(marker);
      bodies.push(
        ...(parsed.text ?? '')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.length >= 40 && !/^https?:\/\//.test(l)),
      );
    }
    bodies.push(
      ...(preview.body.text as string)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length >= 40),
    );

    const log = captured.join('');
    // The capture works: the flow's own log lines are there.
    expect(log).toContain('incident resolved');
    expect(log).toContain('fan-out done');
    for (const secret of secrets)
      expect({ secret, found: log.includes(secret) }).toEqual({ secret, found: false });
    for (const line of bodies)
      expect({ line, found: log.includes(line) }).toEqual({ line, found: false });
    expect(log).not.toContain(encodeURIComponent(smtpPassword));
  });

  it('should log a failed query without its parameters when a notice body cannot be stored', async () => {
    // The dashboard post of this notice is refused by the database: the failing INSERT carries the rendered body.
    const secretBody = `FAILED-INSERT-${randomBytes(8).toString('hex')}`;
    const db = await DbProbe.connect(t.databaseUrl);
    try {
      // A post's text is stored whole, or once as a body shared by the tenants of the same facts.
      await db.query(
        `ALTER TABLE feed_posts ADD CONSTRAINT sec_refuse_post CHECK (position('FAILED-INSERT-' in content_text) = 0)`,
      );
      await db.query(
        `ALTER TABLE feed_post_bodies ADD CONSTRAINT sec_refuse_post CHECK (position('FAILED-INSERT-' in text_parts::text) = 0)`,
      );
      const reporter = await newKey('log-reporter-2', ['reporter']);
      const comms = await newKey('log-comms-2', ['comms']);
      const [incident] = await db.query<{ id: string }>(
        `SELECT id FROM incidents ORDER BY created_at LIMIT 1`,
      );
      const draft = await t.http
        .post(`/v1/incidents/${incident.id}/notices`)
        .set(bearer(reporter))
        .send({ kind: 'update', description: `Update. ${secretBody}` });
      expect(draft.status).toBe(201);
      expect(
        (await t.http.post(`/v1/notices/${draft.body.id}/approve`).set(bearer(comms))).status,
      ).toBe(200);
      await eventually(async () =>
        captured.join('').includes('sec_refuse_post') ? true : undefined,
      );
      const log = captured.join('');
      const found = (text: string) => ({ text, found: log.includes(text) });
      expect(found('query failed')).toEqual({ text: 'query failed', found: true });
      expect(found(secretBody)).toEqual({ text: secretBody, found: false });
      expect(found('PARAMETERS')).toEqual({ text: 'PARAMETERS', found: false });
    } finally {
      await db.close();
    }
  });
});

import { tenantBody } from '../factories/tenant.factory.js';
import { expectConformant } from '../support/api-client.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { errorPaths, queryOne } from '../support/inspect.js';

// Issue 2: API keys and the tenant directory over HTTP, with every bad field named.
describe('foundation: API keys and tenants', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('API keys', () => {
    it('should return the secret once and list the key without it when an admin creates a key', async () => {
      const created = await t.http
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'pager-duty', roles: ['reporter'] });
      expect(created.status).toBe(201);
      await expectConformant(t, created);
      expect(created.body).toMatchObject({
        name: 'pager-duty',
        roles: ['reporter'],
        tenantId: null,
        createdBy: 'bootstrap-admin',
      });
      expect(typeof created.body.key).toBe('string');
      expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);

      const list = await t.http.get('/v1/api-keys').set(bearer(t.adminKey));
      expect(list.status).toBe(200);
      await expectConformant(t, list);
      expect(list.body.nextCursor).toBeNull();
      const listed = (list.body.items as Array<Record<string, unknown>>).find(
        (k) => k.id === created.body.id,
      );
      expect(listed).toMatchObject({ name: 'pager-duty', roles: ['reporter'], revokedAt: null });
      expect(JSON.stringify(list.body)).not.toContain(created.body.key as string);
      expect(listed).not.toHaveProperty('key');
      expect(listed).not.toHaveProperty('secretSha256');
    });

    it('should answer 204, mark the key revoked in the list and 404 a second delete when a key is deleted', async () => {
      const created = await t.http
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'short-lived', roles: ['auditor'] });
      const del = await t.http.delete(`/v1/api-keys/${created.body.id}`).set(bearer(t.adminKey));
      expect(del.status).toBe(204);
      await expectConformant(t, del);
      expect(del.text).toBe('');

      const again = await t.http.delete(`/v1/api-keys/${created.body.id}`).set(bearer(t.adminKey));
      expect(again.status).toBe(404);
      await expectConformant(t, again);
      expect(again.headers['content-type']).toContain('application/problem+json');
      const listed = (await t.http.get('/v1/api-keys').set(bearer(t.adminKey))).body.items.find(
        (k: { id: string }) => k.id === created.body.id,
      );
      expect(listed).toMatchObject({ name: 'short-lived', revokedAt: expect.stringMatching(/Z$/) });
      expect(
        (
          await t.http
            .delete('/v1/api-keys/00000000-0000-4000-8000-000000000000')
            .set(bearer(t.adminKey))
        ).status,
      ).toBe(404);
    });

    it('should name each bad field when a key request is invalid', async () => {
      const res = await t.http
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: '', roles: ['root'], colour: 'red' });
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        type: expect.any(String),
        title: expect.any(String),
        status: 400,
        detail: expect.any(String),
      });
      expect(errorPaths(res).sort()).toEqual(['colour', 'name', 'roles[0]']);

      const badId = await t.http.delete('/v1/api-keys/not-a-uuid').set(bearer(t.adminKey));
      expect(badId.status).toBe(400);
      await expectConformant(t, badId);
      expect(errorPaths(badId)).toEqual(['id']);
    });
  });

  describe('PUT /v1/tenants/{id}', () => {
    it('should answer 201 with the stored tenant and its defaults when the tenant is new', async () => {
      const res = await t.http
        .put('/v1/tenants/acme.eu_1-a')
        .set(bearer(t.adminKey))
        .send({
          name: 'Acme EU',
          countries: ['de', 'US-CA', 'DE'],
          contacts: [{ name: 'Sec', email: 'sec@acme.example', role: 'security' }],
        });
      expect(res.status).toBe(201);
      await expectConformant(t, res);
      expect(res.body).toMatchObject({
        id: 'acme.eu_1-a',
        name: 'Acme EU',
        locale: 'en-US',
        timeZone: 'UTC',
        countries: ['DE', 'US-CA'],
        dataRegions: [],
        services: [],
        industries: [],
        flags: {},
        contractualNoticeHours: null,
        contacts: [{ name: 'Sec', email: 'sec@acme.example', role: 'security' }],
      });
      expect(res.body.createdAt).toMatch(/Z$/);
    });

    it('should answer 200 and replace the tenant when it exists, and accept a body id that matches', async () => {
      const first = await t.http
        .put('/v1/tenants/replace-me')
        .set(bearer(t.adminKey))
        .send(tenantBody({ id: 'replace-me', locale: 'de-de', timeZone: 'Europe/Berlin' }));
      expect(first.status).toBe(201);
      await expectConformant(t, first);
      expect(first.body.locale).toBe('de-DE');

      const second = await t.http
        .put('/v1/tenants/replace-me')
        .set(bearer(t.adminKey))
        .send({
          id: 'replace-me',
          name: 'Renamed',
          services: ['files'],
          contractualNoticeHours: 24,
          flags: { publicCompany: true },
        });
      expect(second.status).toBe(200);
      await expectConformant(t, second);
      expect(second.body).toMatchObject({
        id: 'replace-me',
        name: 'Renamed',
        services: ['files'],
        contractualNoticeHours: 24,
        flags: { publicCompany: true },
        locale: 'en-US',
        countries: [],
      });

      const read = await t.http.get('/v1/tenants/replace-me').set(bearer(t.adminKey));
      expect(read.body).toEqual(second.body);
    });

    it('should answer 400 and store nothing when the body id differs from the path', async () => {
      const res = await t.http
        .put('/v1/tenants/path-id')
        .set(bearer(t.adminKey))
        .send(tenantBody({ id: 'body-id' }));
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(errorPaths(res)).toEqual(['id']);
      expect((await t.http.get('/v1/tenants/path-id').set(bearer(t.adminKey))).status).toBe(404);
      expect((await t.http.get('/v1/tenants/body-id').set(bearer(t.adminKey))).status).toBe(404);
    });

    it('should name every bad field when a tenant is invalid', async () => {
      const res = await t.http
        .put('/v1/tenants/bad-fields')
        .set(bearer(t.adminKey))
        .send({
          name: 'Bad',
          locale: 'not a locale!',
          timeZone: 'Mars/Olympus_Mons',
          countries: ['DE', 'XX', 'US-ZZ'],
          industries: ['technology', 'mining'],
          contacts: [
            { name: 'ok', email: 'ok@example.com', role: 'primary' },
            { name: 'bad', email: 'not-an-email', role: 'ceo', locale: '!!' },
          ],
          contractualNoticeHours: 1.5,
          colour: 'blue',
        });
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(errorPaths(res).sort()).toEqual(
        [
          'colour',
          'contacts[1].email',
          'contacts[1].locale',
          'contacts[1].role',
          'contractualNoticeHours',
          'countries[1]',
          'countries[2]',
          'industries[1]',
          'locale',
          'timeZone',
        ].sort(),
      );
      expect((await t.http.get('/v1/tenants/bad-fields').set(bearer(t.adminKey))).status).toBe(404);
    });

    it.each([
      ['a space', 'has%20space'],
      ['a semicolon', 'semi%3Bcolon'],
      ['65 characters', 'x'.repeat(65)],
    ])('should answer 400 naming id when the path id has %s', async (_what, id) => {
      const res = await t.http.put(`/v1/tenants/${id}`).set(bearer(t.adminKey)).send({ name: 'X' });
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(errorPaths(res)).toEqual(['id']);
    });

    it('should accept an id of exactly 64 characters of the allowed set', async () => {
      const id = `A.b_c-9${'z'.repeat(57)}`;
      expect(id).toHaveLength(64);
      expect(
        (await t.http.put(`/v1/tenants/${id}`).set(bearer(t.adminKey)).send({ name: 'Long' }))
          .status,
      ).toBe(201);
    });
  });

  describe('GET /v1/tenants/{id} and contacts', () => {
    beforeAll(async () => {
      for (const id of ['own', 'neighbour']) {
        const res = await t.http
          .put(`/v1/tenants/${id}`)
          .set(bearer(t.adminKey))
          .send(tenantBody({ id }));
        expect(res.status).toBe(201);
        await expectConformant(t, res);
      }
    });

    it('should show the tenant to an admin, an auditor and its own tenant key, and 403 another tenant', async () => {
      const auditor = await t.key(['auditor']);
      const own = await t.key(['tenant'], 'own');
      const other = await t.key(['tenant'], 'neighbour');
      for (const key of [t.adminKey, auditor, own]) {
        const res = await t.http.get('/v1/tenants/own').set(bearer(key));
        expect(res.status).toBe(200);
        await expectConformant(t, res);
        expect(res.body.id).toBe('own');
      }
      expect((await t.http.get('/v1/tenants/own').set(bearer(other))).status).toBe(403);
      expect((await t.http.get('/v1/tenants/nobody').set(bearer(t.adminKey))).status).toBe(404);
    });

    it('should replace the contacts when the tenant itself or an admin sends them', async () => {
      const own = await t.key(['tenant'], 'own');
      const contacts = [
        { name: 'Priv', email: 'privacy@own.example', role: 'privacy', locale: 'fr-fr' },
        { name: 'Bill', email: 'billing@own.example', role: 'billing' },
      ];
      const res = await t.http.put('/v1/tenants/own/contacts').set(bearer(own)).send({ contacts });
      expect(res.status).toBe(200);
      await expectConformant(t, res);
      expect(res.body.contacts).toEqual([{ ...contacts[0], locale: 'fr-FR' }, contacts[1]]);
      expect(res.body.name).toBe(
        (await t.http.get('/v1/tenants/own').set(bearer(t.adminKey))).body.name,
      );

      const byAdmin = await t.http
        .put('/v1/tenants/own/contacts')
        .set(bearer(t.adminKey))
        .send({ contacts: [] });
      expect(byAdmin.status).toBe(200);
      await expectConformant(t, byAdmin);
      expect(byAdmin.body.contacts).toEqual([]);

      const other = await t.key(['tenant'], 'neighbour');
      expect(
        (await t.http.put('/v1/tenants/own/contacts').set(bearer(other)).send({ contacts })).status,
      ).toBe(403);
      expect(
        (await t.http.put('/v1/tenants/nobody/contacts').set(bearer(t.adminKey)).send({ contacts }))
          .status,
      ).toBe(404);
    });

    it('should name the bad contact fields and keep the old contacts when contacts are invalid', async () => {
      const before = (await t.http.get('/v1/tenants/neighbour').set(bearer(t.adminKey))).body
        .contacts;
      const res = await t.http
        .put('/v1/tenants/neighbour/contacts')
        .set(bearer(t.adminKey))
        .send({
          contacts: [
            { name: 'A', email: 'a@@example', role: 'security' },
            { name: 'B', email: 'b@example.com', role: 'owner', phone: '1' },
          ],
        });
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(errorPaths(res).sort()).toEqual([
        'contacts[0].email',
        'contacts[1].phone',
        'contacts[1].role',
      ]);
      expect(
        (await t.http.get('/v1/tenants/neighbour').set(bearer(t.adminKey))).body.contacts,
      ).toEqual(before);
    });
  });

  describe('POST /v1/tenants/bulk', () => {
    it('should count created and updated tenants when a bulk request is valid', async () => {
      const tenants = [tenantBody({ id: 'bulk-a' }), tenantBody({ id: 'bulk-b' })];
      const first = await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants });
      expect(first.status).toBe(200);
      await expectConformant(t, first);
      expect(first.body).toEqual({ created: 2, updated: 0 });

      const second = await t.http
        .post('/v1/tenants/bulk')
        .set(bearer(t.adminKey))
        .send({
          tenants: [{ ...tenants[0], name: 'Bulk A renamed' }, tenantBody({ id: 'bulk-c' })],
        });
      expect(second.body).toEqual({ created: 1, updated: 1 });
      expect((await t.http.get('/v1/tenants/bulk-a').set(bearer(t.adminKey))).body.name).toBe(
        'Bulk A renamed',
      );
    });

    it('should reject the whole call naming the index and store nothing when one tenant is bad', async () => {
      const tenants = [
        tenantBody({ id: 'allornothing-0' }),
        tenantBody({ id: 'allornothing-1' }),
        tenantBody({
          id: 'allornothing-2',
          timeZone: 'Nowhere/Land',
          contacts: [{ name: 'x', email: 'x', role: 'primary' }],
        }),
        tenantBody({ id: 'allornothing-3' }),
      ];
      const res = await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants });
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(res.body.detail).toContain('index 2');
      expect(errorPaths(res).sort()).toEqual([
        'tenants[2].contacts[0].email',
        'tenants[2].timeZone',
      ]);
      const stored = await queryOne<{ n: string }>(
        t,
        `SELECT count(*)::text AS n FROM tenants WHERE id LIKE 'allornothing-%'`,
      );
      expect(stored.n).toBe('0');
    });

    it('should name a missing id by index when a bulk request has a tenant without one', async () => {
      const { id: _omit, ...withoutId } = tenantBody();
      const res = await t.http
        .post('/v1/tenants/bulk')
        .set(bearer(t.adminKey))
        .send({ tenants: [tenantBody({ id: 'with-id' }), withoutId] });
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(errorPaths(res)).toEqual(['tenants[1].id']);
      expect((await t.http.get('/v1/tenants/with-id').set(bearer(t.adminKey))).status).toBe(404);
    });

    it('should store 10,000 realistic tenants (over 1 MB of JSON) in one call', async () => {
      const tenants = Array.from({ length: 10_000 }, (_, i) =>
        tenantBody({
          id: `many-${String(i).padStart(5, '0')}`,
          locale: 'de-DE',
          timeZone: 'Europe/Berlin',
          countries: ['DE', 'AT'],
          contacts: [
            { name: 'Security desk', email: `security@many-${i}.example.com`, role: 'security' },
            {
              name: 'Data protection officer',
              email: `dpo@many-${i}.example.com`,
              role: 'privacy',
              locale: 'de-DE',
            },
          ],
        }),
      );
      const ok = await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants });
      expect(ok.status).toBe(200);
      await expectConformant(t, ok);
      expect(ok.body).toEqual({ created: 10_000, updated: 0 });
      expect(
        (await t.http.get('/v1/tenants/many-09999').set(bearer(t.adminKey))).body.contacts,
      ).toHaveLength(2);
    }, 120_000);
  });
});

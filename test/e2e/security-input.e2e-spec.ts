import { gzipSync } from 'node:zlib';
import type { Test } from 'supertest';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import {
  buildFixtures,
  DbProbe,
  expectProblem,
  HttpResult,
  newDraft,
  rawRequest,
  SecurityFixtures,
} from '../support/security.js';
import { expectConformant } from '../support/api-client.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// Hostile input at every endpoint: each call is turned away with a clear 4xx problem+json
// naming the field, and the database (every table's row count and the audit chain's head)
// is exactly as it was before the call.

type Json = Record<string, unknown>;
type Path = Array<string | number>;
type Method = 'post' | 'put' | 'patch' | 'delete' | 'get';

const UUID_NOBODY = '00000000-0000-4000-8000-000000000000';
const CRLF_VALUES = [
  'Subject\r\nBcc: attacker@evil.example',
  'line\nX-Injected: yes',
  'carriage\rreturn',
  'separator\u2028here',
];

function pathText(path: Path): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

/** A deep copy of `body` with `value` at `path`. */
function withField(body: Json, path: Path, value: unknown): Json {
  const copy = structuredClone(body);
  let node = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('security: hostile input', () => {
  let t: TestApp;
  let f: SecurityFixtures;
  let db: DbProbe;
  /** A draft nobody may change in this file: every call on it must fail. */
  let draftId: string;

  beforeAll(async () => {
    t = await startTestApp();
    f = await buildFixtures(t, 'in');
    db = await DbProbe.connect(t.databaseUrl);
    draftId = await newDraft(t, f);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close();
  });

  /** Sends the request and checks the problem answer and that nothing at all was written. */
  async function rejects(
    send: () => PromiseLike<HttpResult>,
    status: number,
    paths?: string[],
  ): Promise<HttpResult & { body: Json }> {
    const before = await db.snapshot();
    const res = await send();
    expectProblem(res, status, paths);
    expect(await db.snapshot()).toEqual(before);
    return { ...res, body: JSON.parse(res.text) as Json };
  }

  /** The problem type for errors body-parser raises before any route runs. */
  function expectType(res: HttpResult, type: string): void {
    expect((JSON.parse(res.text) as { type: string }).type).toBe(
      `https://herald.dev/problems/${type}`,
    );
  }

  function raw(
    e: { method: string; path: () => string; key: () => string },
    body: Buffer | string,
    headers: Record<string, string> = {},
  ) {
    return () =>
      rawRequest(t, e.method, e.path(), body, {
        authorization: `Bearer ${e.key()}`,
        'content-type': 'application/json',
        ...headers,
      });
  }

  function call(method: Method, path: string, key: string): Test {
    return t.http[method](path).set(bearer(key));
  }

  interface BodyEndpoint {
    name: string;
    method: Exclude<Method, 'get'>;
    path: () => string;
    key: () => string;
    /** A body the endpoint would accept. */
    valid: () => Json;
    /** A free-text field of this body and its documented maximum length. */
    text: { path: Path; max: number };
    /** Fields that end up in a mail header (Subject, To, X-Herald-*). */
    headerFields: Path[];
    /** The body limit in MB when it is not the default 1 MB. */
    bodyLimitMb?: number;
  }

  const endpoints: BodyEndpoint[] = [
    {
      name: 'POST /v1/api-keys',
      method: 'post',
      path: () => '/v1/api-keys',
      key: () => t.adminKey,
      valid: () => ({ name: 'hostile-input-key', roles: ['auditor'] }),
      text: { path: ['name'], max: 200 },
      headerFields: [],
    },
    {
      name: 'PUT /v1/tenants/{id}',
      method: 'put',
      path: () => '/v1/tenants/in-new',
      key: () => t.adminKey,
      valid: () => ({ ...tenantBody({ id: 'in-new' }) }),
      text: { path: ['name'], max: 200 },
      headerFields: [
        ['contacts', 0, 'email'],
        ['contacts', 0, 'name'],
      ],
    },
    {
      name: 'POST /v1/tenants/bulk',
      method: 'post',
      path: () => '/v1/tenants/bulk',
      key: () => t.adminKey,
      valid: () => ({
        tenants: [tenantBody({ id: 'in-bulk-0' }), tenantBody({ id: 'in-bulk-1' })],
      }),
      text: { path: ['tenants', 1, 'name'], max: 200 },
      headerFields: [
        ['tenants', 1, 'contacts', 0, 'email'],
        ['tenants', 1, 'contacts', 0, 'name'],
      ],
      bodyLimitMb: 32,
    },
    {
      name: 'PUT /v1/tenants/{id}/contacts',
      method: 'put',
      path: () => `/v1/tenants/${f.tenantA}/contacts`,
      key: () => f.keys.tenantA,
      valid: () => ({
        contacts: [{ name: 'Grace', email: 'grace@in-a.example', role: 'security' }],
      }),
      text: { path: ['contacts', 0, 'name'], max: 200 },
      headerFields: [
        ['contacts', 0, 'email'],
        ['contacts', 0, 'name'],
      ],
    },
    {
      name: 'POST /v1/incidents',
      method: 'post',
      path: () => '/v1/incidents',
      bodyLimitMb: 2.5,
      key: () => f.keys.reporter,
      valid: () => incidentBody({ scope: { tenantIds: [f.tenantA] } }),
      text: { path: ['description'], max: 10_000 },
      headerFields: [['title'], ['externalId']],
    },
    {
      name: 'PATCH /v1/incidents/{id}',
      method: 'patch',
      path: () => `/v1/incidents/${f.incidentId}`,
      bodyLimitMb: 2.5,
      key: () => f.keys.reporter,
      valid: () => ({ actionsTaken: ['Disabled the affected API'] }),
      text: { path: ['actionsTaken', 0], max: 2000 },
      headerFields: [],
    },
    {
      name: 'POST /v1/incidents/{id}/notices',
      method: 'post',
      path: () => `/v1/incidents/${f.incidentId}/notices`,
      key: () => f.keys.comms,
      valid: () => ({
        kind: 'update',
        title: 'Update',
        description: 'More news',
        translations: { de: { title: 'Neuigkeiten' } },
      }),
      text: { path: ['description'], max: 10_000 },
      headerFields: [['title'], ['translations', 'de', 'title']],
    },
    {
      name: 'PATCH /v1/notices/{id}',
      method: 'patch',
      path: () => `/v1/notices/${draftId}`,
      key: () => f.keys.comms,
      valid: () => ({
        title: 'Edited',
        description: 'Edited text',
        translations: { fr: { title: 'Modifié' } },
      }),
      text: { path: ['description'], max: 10_000 },
      headerFields: [['title'], ['translations', 'fr', 'title']],
    },
    {
      name: 'POST /v1/notices/{id}/reject',
      method: 'post',
      path: () => `/v1/notices/${draftId}/reject`,
      key: () => f.keys.comms,
      valid: () => ({ reason: 'Not accurate' }),
      text: { path: ['reason'], max: 2000 },
      headerFields: [],
    },
  ];

  describe.each(endpoints)('$name', (e) => {
    const field = pathText(e.text.path);

    it('should answer 400 naming the field when the body has an unknown field', async () => {
      await rejects(
        () => call(e.method, e.path(), e.key()).send({ ...e.valid(), isAdmin: true }),
        400,
        ['isAdmin'],
      );
    });

    it('should answer 400 naming the field when a nested object has an unknown field', async () => {
      const nested =
        e.text.path.length > 1 && typeof e.text.path[e.text.path.length - 2] === 'number';
      const path: Path = nested ? [...e.text.path.slice(0, -1), 'nickname'] : ['__proto__'];
      const body = nested
        ? withField(e.valid(), path, 'x')
        : JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(e.valid()).slice(1)}`);
      await rejects(() => call(e.method, e.path(), e.key()).send(body), 400, [pathText(path)]);
    });

    it('should answer 400 naming the field when a field has the wrong type', async () => {
      await rejects(
        () =>
          call(e.method, e.path(), e.key()).send(withField(e.valid(), e.text.path, { $ne: null })),
        400,
        [field],
      );
      await rejects(
        () => call(e.method, e.path(), e.key()).send(withField(e.valid(), e.text.path, 12345)),
        400,
        [field],
      );
    });

    it('should answer 400 naming the field when a string is one character over its limit', async () => {
      await rejects(
        () =>
          call(e.method, e.path(), e.key()).send(
            withField(e.valid(), e.text.path, 'x'.repeat(e.text.max + 1)),
          ),
        400,
        [field],
      );
    });

    it('should answer 400 naming the field when a string holds a NUL byte', async () => {
      await rejects(
        () =>
          call(e.method, e.path(), e.key()).send(
            withField(e.valid(), e.text.path, 'before\u0000after'),
          ),
        400,
        [field],
      );
    });

    it('should answer 400 naming the field when a string holds a lone UTF-16 surrogate', async () => {
      // Valid JSON ("\ud800" escape) and valid UTF-8 bytes, but no Unicode text: Postgres jsonb refuses it.
      for (const bad of ['half \\ud800 pair', 'low \\udc00 first']) {
        const body = JSON.stringify(withField(e.valid(), e.text.path, 'LONE_SURROGATE')).replace(
          'LONE_SURROGATE',
          bad,
        );
        await rejects(raw(e, body), 400, [field]);
      }
    });

    it('should answer 400 when the body is malformed JSON', async () => {
      for (const body of ['{"name": "unterminated', '{"a":1,}', "{'a': 1}", '{"a": NaN}']) {
        expectType(await rejects(raw(e, body), 400, ['']), 'malformed-body');
      }
    });

    it('should answer 400 when a field holds deeply nested arrays', async () => {
      const deep = '['.repeat(50_000) + ']'.repeat(50_000);
      const body = JSON.stringify(withField(e.valid(), e.text.path, 'DEEP')).replace(
        '"DEEP"',
        deep,
      );
      await rejects(raw(e, body), 400, [field]);
    });

    it('should answer 400 when the body is JSON but not an object', async () => {
      await rejects(
        () => call(e.method, e.path(), e.key()).set('Content-Type', 'application/json').send('[]'),
        400,
      );
      await rejects(
        () =>
          call(e.method, e.path(), e.key()).set('Content-Type', 'application/json').send('null'),
        400,
      );
      await rejects(
        () =>
          call(e.method, e.path(), e.key()).set('Content-Type', 'application/json').send('"text"'),
        400,
      );
    });

    it('should answer 400 when the body is not valid UTF-8', async () => {
      const [head, tail] = JSON.stringify(withField(e.valid(), e.text.path, 'SPLIT')).split(
        'SPLIT',
      );
      for (const bad of [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
        const body = Buffer.concat([
          Buffer.from(head),
          Buffer.from('caf'),
          Buffer.from(bad),
          Buffer.from(tail),
        ]);
        expectType(await rejects(raw(e, body), 400, ['']), 'malformed-body');
      }
    });

    const limitMb = e.bodyLimitMb ?? 1;
    const overMb = limitMb < 3 ? 3 : limitMb + 1;
    it(`should answer 413 when the body is ${overMb} MB`, async () => {
      const res = await rejects(
        () =>
          call(e.method, e.path(), e.key()).send(
            withField(e.valid(), e.text.path, 'x'.repeat(overMb * 1024 * 1024)),
          ),
        413,
      );
      expectType(res, 'payload-too-large');
      expect(res.body.detail).toContain(`${limitMb} MB`);
    });

    if (limitMb >= 3) {
      it('should answer 400 naming the field when a 3 MB body is within its larger limit', async () => {
        await rejects(
          () =>
            call(e.method, e.path(), e.key()).send(
              withField(e.valid(), e.text.path, 'x'.repeat(3 * 1024 * 1024)),
            ),
          400,
          [field],
        );
      });
    }

    it('should answer 413 when a small gzip body inflates past the limit', async () => {
      const bomb = gzipSync(
        Buffer.from(
          JSON.stringify(withField(e.valid(), e.text.path, ' '.repeat(overMb * 1024 * 1024))),
        ),
      );
      expect(bomb.length).toBeLessThan(64 * 1024);
      expectType(
        await rejects(raw(e, bomb, { 'content-encoding': 'gzip' }), 413),
        'payload-too-large',
      );
      await rejects(raw(e, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), 400);
      await rejects(raw(e, JSON.stringify(e.valid()), { 'content-encoding': 'compress' }), 415);
    });

    it('should answer 415 when the body is not JSON', async () => {
      expectType(
        await rejects(
          () =>
            call(e.method, e.path(), e.key())
              .set('Content-Type', 'text/plain')
              .send(JSON.stringify(e.valid())),
          415,
        ),
        'unsupported-media-type',
      );
      await rejects(
        () =>
          call(e.method, e.path(), e.key())
            .set('Content-Type', 'application/x-www-form-urlencoded')
            .send('name=x&roles=admin'),
        415,
      );
      await rejects(
        raw(e, JSON.stringify(e.valid()), { 'content-type': 'application/json; charset=latin1' }),
        415,
      );
    });

    it('should answer 415 naming the charset when the body declares one other than UTF-8', async () => {
      // "+ADw-script+AD4-" is UTF-7 for "<script>": valid ASCII bytes, so only the charset tells.
      const body = JSON.stringify(withField(e.valid(), e.text.path, '+ADw-script+AD4-'));
      for (const charset of ['utf-7', 'UTF-16', '"utf-7"']) {
        const res = await rejects(
          raw(e, body, { 'content-type': `application/json; charset=${charset}` }),
          415,
        );
        expectType(res, 'unsupported-media-type');
        expect(res.body.detail).toContain(charset.replace(/"/g, ''));
      }
    });

    it('should answer 400 naming the field when free text holds a C1 control character', async () => {
      for (const c1 of ['\u0085', '\u009b31m', '\u0080']) {
        await rejects(
          () =>
            call(e.method, e.path(), e.key()).send(withField(e.valid(), e.text.path, `a${c1}b`)),
          400,
          [field],
        );
      }
    });

    if (e.headerFields.length > 0) {
      it('should answer 400 naming the field when a single-line field holds a C1 control or a bidi override', async () => {
        for (const header of e.headerFields) {
          for (const value of [
            'Invoice \u202Egpj.exe',
            'a\u2066b\u2069',
            '\u202Aembed',
            'csi\u009b',
          ]) {
            await rejects(
              () => call(e.method, e.path(), e.key()).send(withField(e.valid(), header, value)),
              400,
              [pathText(header)],
            );
          }
        }
      });

      it('should answer 400 naming the field when text bound for a mail header holds CR, LF or a line separator', async () => {
        for (const header of e.headerFields) {
          for (const value of CRLF_VALUES) {
            await rejects(
              () => call(e.method, e.path(), e.key()).send(withField(e.valid(), header, value)),
              400,
              [pathText(header)],
            );
          }
        }
      });
    }
  });

  describe('POST /v1/notices/{id}/approve (no body)', () => {
    it('should answer 400 naming the field when the body has any field', async () => {
      await rejects(
        () => call('post', `/v1/notices/${draftId}/approve`, f.keys.comms).send({ force: true }),
        400,
        ['force'],
      );
    });

    it('should answer 400 when the body is malformed JSON', async () => {
      await rejects(
        () =>
          call('post', `/v1/notices/${draftId}/approve`, f.keys.comms)
            .set('Content-Type', 'application/json')
            .send('{'),
        400,
        [''],
      );
    });

    it('should answer 400 naming the field when the body has a __proto__ key', async () => {
      await rejects(
        () =>
          call('post', `/v1/notices/${draftId}/approve`, f.keys.comms)
            .set('Content-Type', 'application/json')
            .send('{"__proto__": {"status": "approved"}}'),
        400,
        ['__proto__'],
      );
    });

    it('should answer 413 when the body is 3 MB', async () => {
      await rejects(
        () =>
          call('post', `/v1/notices/${draftId}/approve`, f.keys.comms).send({
            pad: 'x'.repeat(3 * 1024 * 1024),
          }),
        413,
      );
    });
  });

  describe('documented limits', () => {
    it('should answer 400 naming scope.tenantIds when an incident lists 100,001 tenant ids', async () => {
      const body = incidentBody({
        scope: { tenantIds: Array.from({ length: 100_001 }, (_, i) => `t${i % 10}`) },
      });
      await rejects(() => call('post', '/v1/incidents', f.keys.reporter).send(body), 400, [
        'scope.tenantIds',
      ]);
      await rejects(
        () =>
          call('patch', `/v1/incidents/${f.incidentId}`, f.keys.reporter).send({
            scope: body.scope,
          }),
        400,
        ['scope.tenantIds'],
      );
    });

    it('should answer 400 naming contacts when a tenant has 51 contacts', async () => {
      const contacts = Array.from({ length: 51 }, (_, i) => ({
        name: `C${i}`,
        email: `c${i}@in-a.example`,
        role: 'security',
      }));
      await rejects(
        () => call('put', `/v1/tenants/${f.tenantA}/contacts`, t.adminKey).send({ contacts }),
        400,
        ['contacts'],
      );
      await rejects(
        () => call('put', '/v1/tenants/in-many', t.adminKey).send(tenantBody({ contacts })),
        400,
        ['contacts'],
      );
    });

    it('should answer 400 naming tenants when a bulk request holds 10,001 tenants', async () => {
      const tenants = Array.from({ length: 10_001 }, (_, i) => ({ id: `b${i}`, name: 'n' }));
      await rejects(() => call('post', '/v1/tenants/bulk', t.adminKey).send({ tenants }), 400, [
        'tenants',
      ]);
    });

    it('should answer 400 naming actionsTaken when an incident lists 101 actions', async () => {
      const body = incidentBody({
        actionsTaken: Array.from({ length: 101 }, (_, i) => `Action ${i}`),
      });
      await rejects(() => call('post', '/v1/incidents', f.keys.reporter).send(body), 400, [
        'actionsTaken',
      ]);
    });

    it('should answer 400 naming translations when a notice has 51 translations', async () => {
      const tags = [
        'de',
        'fr',
        'es',
        'it',
        'nl',
        'pt',
        'pl',
        'sv',
        'da',
        'fi',
        'nb',
        'cs',
        'sk',
        'sl',
        'hu',
        'ro',
        'bg',
        'el',
        'et',
        'lv',
        'lt',
        'ga',
        'mt',
        'hr',
        'ja',
        'ko',
        'zh',
        'ar',
        'he',
        'tr',
        'ru',
        'uk',
        'hi',
        'th',
        'vi',
        'id',
        'ms',
        'ca',
        'eu',
        'gl',
        'is',
        'sq',
        'sr',
        'mk',
        'bs',
        'ka',
        'hy',
        'az',
        'kk',
        'uz',
        'mn',
      ];
      const translations = Object.fromEntries(tags.map((tag) => [tag, { title: tag }]));
      await rejects(
        () =>
          call('post', `/v1/incidents/${f.incidentId}/notices`, f.keys.comms).send({
            kind: 'update',
            translations,
          }),
        400,
        ['translations'],
      );
    });

    it('should list at most 100 errors when a body has thousands of bad fields', async () => {
      const flood = Object.fromEntries(
        Array.from({ length: 20_000 }, (_, i) => [`unknown${i}`, 1]),
      );
      const res = await rejects(
        () =>
          call('post', '/v1/api-keys', t.adminKey).send({
            name: 'flood',
            roles: ['auditor'],
            ...flood,
          }),
        400,
      );
      expect((res.body as { errors: unknown[] }).errors.length).toBeLessThanOrEqual(100);
      expect(res.text.length).toBeLessThan(32 * 1024);

      const ids = Array.from({ length: 100_000 }, () => 'bad id!');
      const big = await rejects(
        () =>
          call('post', '/v1/incidents', f.keys.reporter).send(
            incidentBody({ scope: { tenantIds: ids } }),
          ),
        400,
        ['scope.tenantIds[0]'],
      );
      expect(big.text.length).toBeLessThan(32 * 1024);
    });
  });

  describe('field rules', () => {
    it.each([
      ['an unknown role', { name: 'k', roles: ['root'] }, 'roles[0]'],
      ['a tenant key without a tenant', { name: 'k', roles: ['tenant'] }, 'tenantId'],
      [
        'a tenant key with another role',
        { name: 'k', roles: ['tenant', 'admin'], tenantId: 'in-a' },
        'roles',
      ],
      [
        'an expiry in the past',
        { name: 'k', roles: ['auditor'], expiresAt: '2020-01-01T00:00:00Z' },
        'expiresAt',
      ],
      [
        'an expiry that is not a timestamp',
        { name: 'k', roles: ['auditor'], expiresAt: 'tomorrow' },
        'expiresAt',
      ],
      ['an empty name', { name: '   ', roles: ['auditor'] }, 'name'],
      ['no roles', { name: 'k', roles: [] }, 'roles'],
      [
        'a tenant id with SQL in it',
        { name: 'k', roles: ['tenant'], tenantId: "x' OR '1'='1" },
        'tenantId',
      ],
    ])('should answer 400 when an API key has %s', async (_what, body, path) => {
      await rejects(() => call('post', '/v1/api-keys', t.adminKey).send(body), 400, [path]);
    });

    it.each([
      ['a locale that is not BCP 47', { locale: 'not a locale!' }, 'locale'],
      ['a path as time zone', { timeZone: '../../etc/passwd' }, 'timeZone'],
      ['an unknown country', { countries: ['XX'] }, 'countries[0]'],
      ['an unknown industry', { industries: ['piracy'] }, 'industries[0]'],
      ['a flag that is not a boolean', { flags: { publicCompany: 'yes' } }, 'flags.publicCompany'],
      [
        'a flag named __proto__',
        { flags: JSON.parse('{"__proto__": true}') as Json },
        'flags.__proto__',
      ],
      [
        'notice hours that are not whole',
        { contractualNoticeHours: 1.5 },
        'contractualNoticeHours',
      ],
      [
        'a contact email with a header in it',
        {
          contacts: [{ name: 'A', email: 'a@in.example\r\nBcc: x@evil.example', role: 'primary' }],
        },
        'contacts[0].email',
      ],
      [
        'a contact with two addresses',
        { contacts: [{ name: 'A', email: 'a@in.example, x@evil.example', role: 'primary' }] },
        'contacts[0].email',
      ],
      [
        'an unknown contact role',
        { contacts: [{ name: 'A', email: 'a@in.example', role: 'ceo' }] },
        'contacts[0].role',
      ],
      ['a body id that differs from the path', { id: 'someone-else' }, 'id'],
    ])('should answer 400 when a tenant has %s', async (_what, overrides, path) => {
      await rejects(
        () =>
          call('put', '/v1/tenants/in-new', t.adminKey).send({
            ...tenantBody({ id: 'in-new' }),
            ...overrides,
          }),
        400,
        [path],
      );
    });

    it('should store no tenant of a bulk request when one of them is invalid', async () => {
      const tenants = [
        tenantBody({ id: 'in-ok-0' }),
        tenantBody({ id: 'in-ok-1' }),
        { ...tenantBody({ id: 'in-bad' }), name: 'x'.repeat(201) },
      ];
      const res = await rejects(
        () => call('post', '/v1/tenants/bulk', t.adminKey).send({ tenants }),
        400,
        ['tenants[2].name'],
      );
      expect((res.body as { detail: string }).detail).toContain('index 2');
      await rejects(
        () =>
          call('post', '/v1/tenants/bulk', t.adminKey).send({
            tenants: [tenantBody({ id: 'in-dup' }), tenantBody({ id: 'in-dup' })],
          }),
        400,
        ['tenants[1].id'],
      );
      expectProblem(await t.http.get('/v1/tenants/in-ok-0').set(bearer(t.adminKey)), 404);
    });

    it.each([
      ['an unknown severity', { severity: 'apocalyptic' }, 'severity'],
      ['an unknown phase', { phase: 'panic' }, 'phase'],
      ['awareAt in the future', { awareAt: '2999-01-01T00:00:00Z' }, 'awareAt'],
      ['awareAt without a zone', { awareAt: '2026-11-27T08:00:00' }, 'awareAt'],
      // The factory's awareAt is an hour ago: half an hour ago is after it, and not in the future.
      [
        'occurredAt after awareAt',
        { occurredAt: new Date(Date.now() - 1_800_000).toISOString() },
        'occurredAt',
      ],
      [
        '"none" with another category',
        { dataImpact: { categories: ['none', 'personal'], description: 'x' } },
        'dataImpact.categories',
      ],
      [
        'an unknown data category',
        { dataImpact: { categories: ['gossip'], description: 'x' } },
        'dataImpact.categories[0]',
      ],
      [
        'a negative estimate',
        { dataImpact: { categories: ['personal'], description: 'x', recordsEstimate: -1 } },
        'dataImpact.recordsEstimate',
      ],
      ['an empty scope', { scope: {} }, 'scope'],
      [
        'a tenant id with SQL in it',
        { scope: { tenantIds: ["a'; DROP TABLE tenants; --"] } },
        'scope.tenantIds[0]',
      ],
      ['a service with a wildcard', { scope: { services: ['%'] } }, 'scope.services[0]'],
      ['a NUL in the external id', { externalId: 'INC-\u0000' }, 'externalId'],
    ])('should answer 400 when an incident has %s', async (_what, overrides, path) => {
      await rejects(
        () => call('post', '/v1/incidents', f.keys.reporter).send(incidentBody(overrides)),
        400,
        [path],
      );
    });

    // Instants Postgres or the rules engine cannot take: a 400 naming the field, not a 202
    // followed by a worker that fails and an incident left resolving.
    it.each([
      ['awareAt in year 0000', { awareAt: '0000-01-01T00:00:00Z' }, 'awareAt'],
      ['awareAt before 1970', { awareAt: '1969-12-31T23:59:59.999Z' }, 'awareAt'],
      ['awareAt with a +23:59 offset', { awareAt: '2026-01-01T00:00:00+23:59' }, 'awareAt'],
      [
        'occurredAt in year 0000',
        { occurredAt: '0000-12-31T23:59:59Z', awareAt: '2026-01-01T00:00:00Z' },
        'occurredAt',
      ],
      [
        'occurredAt with a -15:00 offset',
        { occurredAt: '2025-06-01T00:00:00-15:00' },
        'occurredAt',
      ],
    ])('should answer 400 when an incident has %s', async (_what, overrides, path) => {
      await rejects(
        () => call('post', '/v1/incidents', f.keys.reporter).send(incidentBody(overrides)),
        400,
        [path],
      );
    });

    it('should resolve an incident whose awareAt is the earliest instant intake accepts', async () => {
      // Intake's range is one the worker computes deadlines for: the incident does not stay resolving.
      const post = await call('post', '/v1/incidents', f.keys.reporter).send(
        incidentBody({
          awareAt: '1970-01-01T00:00:00+00:00',
          occurredAt: undefined,
          scope: { tenantIds: [f.tenantA] },
        }),
      );
      expect(post.status).toBe(202);
      const incident = await eventually(async () => {
        const r = await call('get', `/v1/incidents/${post.body.id as string}`, f.keys.auditor);
        return r.body.status === 'resolving' ? undefined : (r.body as Json);
      });
      expect(incident).toEqual(
        expect.objectContaining({
          status: 'awaiting-review',
          awareAt: '1970-01-01T00:00:00.000Z',
          affectedTenantCount: 1,
        }),
      );
    });

    it('should answer 400 when a patch changes nothing or names a bad phase', async () => {
      await rejects(
        () => call('patch', `/v1/incidents/${f.incidentId}`, f.keys.reporter).send({}),
        400,
      );
      await rejects(
        () => call('patch', `/v1/incidents/${f.incidentId}`, f.keys.reporter).send({ phase: 42 }),
        400,
        ['phase'],
      );
    });

    it('should answer 400 when a notice is created as initial or with a bad translation key', async () => {
      await rejects(
        () =>
          call('post', `/v1/incidents/${f.incidentId}/notices`, f.keys.comms).send({
            kind: 'initial',
          }),
        400,
        ['kind'],
      );
      await rejects(
        () =>
          call('post', `/v1/incidents/${f.incidentId}/notices`, f.keys.comms).send({
            kind: 'update',
            translations: { 'de\r\nX: y': { title: 'x' } },
          }),
        400,
        ['translations.de\r\nX: y'],
      );
      await rejects(
        () =>
          call('post', `/v1/incidents/${f.incidentId}/notices`, f.keys.comms)
            .set('Content-Type', 'application/json')
            .send('{"kind":"update","translations":{"__proto__":{"title":"x"}}}'),
        400,
        ['translations.__proto__'],
      );
      await rejects(
        () =>
          call('patch', `/v1/notices/${draftId}`, f.keys.comms).send({
            expectedRevision: 'one',
            title: 'x',
          }),
        400,
        ['expectedRevision'],
      );
    });
  });

  describe('paths and query strings', () => {
    it.each([
      ['get', '/v1/incidents/not-a-uuid', 'id'],
      ['get', "/v1/incidents/1'%20OR%20'1'='1", 'id'],
      ['patch', '/v1/incidents/%00', 'id'],
      ['get', '/v1/notices/not-a-uuid', 'id'],
      ['get', '/v1/notices/not-a-uuid/revisions', 'id'],
      ['get', '/v1/incidents/not-a-uuid/notices', 'id'],
      ['get', '/v1/incidents/not-a-uuid/tenants', 'id'],
      ['delete', '/v1/api-keys/not-a-uuid', 'id'],
      ['get', `/v1/tenants/${'a'.repeat(65)}`, 'id'],
      ['get', '/v1/tenants/a%0D%0AX-Injected:%20yes', 'id'],
      ['get', '/v1/tenants/a%00b', 'id'],
      ['get', '/v1/tenants/..%2F..%2Fetc%2Fpasswd/feed', 'id'],
    ] as Array<[Method, string, string]>)(
      'should answer 400 when %s %s has a bad id',
      async (method, path, field) => {
        await rejects(
          () =>
            call(method, path, t.adminKey).send(
              method === 'patch' ? { phase: 'resolved' } : undefined,
            ),
          400,
          [field],
        );
      },
    );

    it.each([
      ['get', `/v1/incidents/${UUID_NOBODY}`],
      ['get', `/v1/notices/${UUID_NOBODY}`],
      ['delete', `/v1/api-keys/${UUID_NOBODY}`],
      ['get', '/v1/tenants/in-nobody'],
      ['post', `/v1/notices/${UUID_NOBODY}/approve`],
    ] as Array<[Method, string]>)(
      'should answer 404 when %s %s names nothing',
      async (method, path) => {
        await rejects(() => call(method, path, t.adminKey), 404);
      },
    );

    it('should answer 404 problem+json when the route does not exist', async () => {
      await rejects(() => call('get', '/v1/nothing-here', t.adminKey), 404);
      // Every /v1 route needs a key, which is checked first: a stranger learns nothing of routes.
      await rejects(() => t.http.post('/v1/../../etc/passwd'), 401);
      await rejects(() => call('post', '/v1/../../etc/passwd', t.adminKey), 404);
    });

    const incidentCursor = (createdAt: string) => b64({ createdAt, id: UUID_NOBODY });
    it.each([
      ['/v1/incidents?limit=0', 'limit'],
      ['/v1/incidents?limit=1001', 'limit'],
      ['/v1/incidents?limit=ten', 'limit'],
      ['/v1/incidents?limit=1&limit=2', 'limit'],
      ['/v1/incidents?status=lost', 'status'],
      ['/v1/incidents?debug=true', 'debug'],
      ['/v1/incidents?cursor=not-a-cursor', 'cursor'],
      [`/v1/incidents?cursor=${incidentCursor("2026-01-01'; DROP TABLE incidents; --")}`, 'cursor'],
      [`/v1/incidents?cursor=${incidentCursor('yesterday')}`, 'cursor'],
      ['/v1/deliveries?incidentId=1%20OR%201=1', 'incidentId'],
      ['/v1/deliveries?tenantId=%27%3B--', 'tenantId'],
      ['/v1/deliveries?channel=fax', 'channel'],
      ['/v1/deliveries?from=last-week', 'from'],
      ['/v1/deliveries?tenantId[]=a', 'tenantId[]'],
      [`/v1/deliveries?cursor=${b64({ q: 'not a time', i: UUID_NOBODY })}`, 'cursor'],
      ['/v1/deliveries/backlog?incidentId=1%20OR%201=1', 'incidentId'],
      ['/v1/deliveries/backlog?status=queued', 'status'],
      ['/v1/notices/{draft}/preview', 'tenantId'],
      ['/v1/notices/{draft}/preview?tenantId=..%2Fetc', 'tenantId'],
      ['/v1/notices/{draft}/preview?tenantId=in-a&channel=sms', 'channel'],
      ['/v1/incidents/{incident}/tenants?regulationId=%00', 'regulationId'],
      ['/v1/incidents/{incident}/tenants?regulationId=%0D%0A', 'regulationId'],
      ['/v1/incidents/{incident}/tenants?dueBefore=soon', 'dueBefore'],
      [`/v1/incidents/{incident}/tenants?cursor=${b64({ t: 'a\u0000' })}`, 'cursor'],
      [`/v1/tenants/in-a/feed?cursor=${b64({ p: 'not a time', i: UUID_NOBODY })}`, 'cursor'],
      ['/v1/api-keys?limit=-1', 'limit'],
      ['/v1/api-keys?role=admin', 'role'],
      [`/v1/api-keys?cursor=${incidentCursor("2026'; DROP TABLE api_keys; --")}`, 'cursor'],
    ])('should answer 400 naming the parameter when GET %s', async (path, field) => {
      const url = path.replace('{draft}', draftId).replace('{incident}', f.incidentId);
      await rejects(() => call('get', url, t.adminKey), 400, [field]);
    });

    // Audit and compliance reports.
    it.each([
      ['/v1/audit/events?limit=0', 'limit'],
      ['/v1/audit/events?actor=%00', 'actor'],
      ['/v1/audit/events?entityId=a%0D%0Ab', 'entityId'],
      ['/v1/audit/events?from=yesterday', 'from'],
      ['/v1/audit/events?cursor=not-a-cursor', 'cursor'],
      [`/v1/audit/events?cursor=${b64({ s: '1; DROP TABLE audit_events' })}`, 'cursor'],
      ['/v1/audit/events?sql=1', 'sql'],
      ['/v1/audit/verify?anchorSeq=-1&anchorHash=00', 'anchorSeq'],
      ['/v1/incidents/{incident}/compliance?tenantId=%27--', 'tenantId'],
      [`/v1/incidents/{incident}/compliance?cursor=${b64({ t: 'a\u0000' })}`, 'cursor'],
      ['/v1/compliance?from=soon', 'from'],
      [`/v1/compliance?cursor=${b64({ a: 'not a time', i: UUID_NOBODY })}`, 'cursor'],
    ])('should answer 400 naming the parameter when GET %s (reports)', async (path, field) => {
      const url = path.replace('{incident}', f.incidentId);
      expect((await call('get', url.split('?')[0], t.adminKey)).status).toBe(200);
      await rejects(() => call('get', url, t.adminKey), 400, [field]);
    });

    // Cursors and anchors Herald never issued, with values its own checks once let through to
    // Postgres (a 500): a year 0000, an offset Postgres cannot hold, a number past bigint.
    const YEAR_ZERO = '0000-01-01T00:00:00Z';
    const FAR_OFFSET = '2026-01-01T00:00:00+23:59';
    const BEFORE_EPOCH = '1969-12-31T23:59:59Z';
    const PAST_BIGINT = '9223372036854775808';
    const timeCursors = (make: (at: string) => unknown) =>
      [YEAR_ZERO, FAR_OFFSET, BEFORE_EPOCH].map((at) => b64(make(at)));
    const craftedCursors: Array<[string, string[]]> = [
      ['/v1/incidents', timeCursors((createdAt) => ({ createdAt, id: UUID_NOBODY }))],
      ['/v1/api-keys', timeCursors((createdAt) => ({ createdAt, id: UUID_NOBODY }))],
      ['/v1/deliveries', timeCursors((q) => ({ q, i: UUID_NOBODY }))],
      ['/v1/compliance', timeCursors((a) => ({ a, i: UUID_NOBODY }))],
      ['/v1/tenants/in-a/feed', timeCursors((p) => ({ p, i: UUID_NOBODY }))],
      [
        '/v1/audit/events',
        [PAST_BIGINT, '9999999999999999999'].map((s) => b64({ s })).concat(b64({ s: 1 })),
      ],
      ['/v1/incidents/{incident}/tenants', [b64({ t: 'a\u202eb' }), b64({ t: 'x'.repeat(65) })]],
      ['/v1/incidents/{incident}/compliance', [b64({ t: 'a\u0085' }), b64({ t: 'a\u2066' })]],
      [
        '/v1/incidents/{incident}/scope/tenant-ids',
        [b64({ t: 'a\u202e' }), b64({ t: 'x'.repeat(65) }), b64({ t: 1 })],
      ],
    ];
    it.each(craftedCursors)(
      'should answer 400 naming cursor when GET %s has a crafted cursor',
      async (path, cursors) => {
        const url = path.replace('{incident}', f.incidentId);
        expect((await call('get', url, t.adminKey)).status).toBe(200);
        for (const cursor of cursors)
          await rejects(() => call('get', `${url}?cursor=${cursor}`, t.adminKey), 400, ['cursor']);
      },
    );

    it.each([
      ['/v1/deliveries', ['from', 'to']],
      ['/v1/audit/events', ['from', 'to']],
      ['/v1/compliance', ['from', 'to']],
      ['/v1/incidents/{incident}/tenants', ['dueBefore']],
    ])(
      'should answer 400 naming the parameter when GET %s has a timestamp out of range',
      async (path, params) => {
        const url = path.replace('{incident}', f.incidentId);
        for (const param of params)
          for (const at of [YEAR_ZERO, FAR_OFFSET, BEFORE_EPOCH])
            await rejects(
              () => call('get', `${url}?${param}=${encodeURIComponent(at)}`, t.adminKey),
              400,
              [param],
            );
      },
    );

    it('should answer 400 naming anchorSeq when the audit anchor is past the bigint range', async () => {
      for (const seq of [PAST_BIGINT, '9999999999999999999'])
        await rejects(
          () =>
            call(
              'get',
              `/v1/audit/verify?anchorSeq=${seq}&anchorHash=${'0'.repeat(64)}`,
              t.adminKey,
            ),
          400,
          ['anchorSeq'],
        );
    });

    it('should answer 401 and write nothing when the Authorization header is huge or malformed', async () => {
      await rejects(
        () => t.http.get('/v1/regulations').set('Authorization', `Bearer ${'k'.repeat(8000)}`),
        401,
      );
      await rejects(
        () =>
          t.http
            .get('/v1/regulations')
            .set('Authorization', `Basic ${Buffer.from('admin:admin').toString('base64')}`),
        401,
      );
      await rejects(
        () => t.http.get('/v1/regulations').set('Authorization', `Bearer ${t.adminKey} extra`),
        401,
      );
      await rejects(
        () =>
          t.http.get('/v1/regulations').set('Authorization', `Bearer ${t.adminKey.slice(0, -1)}`),
        401,
      );
    });
  });

  describe('text that looks like code', () => {
    const SQL = 'Robert\'); DROP TABLE tenants; -- " OR 1=1; SELECT pg_sleep(10);';
    const TEMPLATE =
      "{{7*7}} ${7*7} <%= 7*7 %> #{7*7} {{constructor.constructor('return process')()}} {{#each this}}x{{/each}} {{> partial}}";
    const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)>';

    it('should store SQL-like and template-like text verbatim when a tenant is written', async () => {
      const body = tenantBody({
        id: 'in-verbatim',
        name: SQL.slice(0, 200),
        contacts: [
          { name: TEMPLATE.slice(0, 200), email: 'o.brien@in-verbatim.example', role: 'primary' },
        ],
      });
      const put = await t.http.put('/v1/tenants/in-verbatim').set(bearer(t.adminKey)).send(body);
      expect(put.status).toBe(201);
      await expectConformant(t, put);
      const got = await t.http.get('/v1/tenants/in-verbatim').set(bearer(t.adminKey));
      expect(got.body.name).toBe(SQL.slice(0, 200));
      expect(got.body.contacts[0].name).toBe(TEMPLATE.slice(0, 200));
      const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM tenants');
      expect(Number(row.n)).toBeGreaterThanOrEqual(3);
    });

    it('should store code-like text verbatim and render it inert when a notice is previewed', async () => {
      const description = `${SQL}\n\n${TEMPLATE}\n\n${MARKUP}`;
      const created = await t.http
        .post(`/v1/incidents/${f.incidentId}/notices`)
        .set(bearer(f.keys.comms))
        .send({
          kind: 'update',
          title: `{{7*7}} ${SQL.slice(0, 40)}`,
          description,
          actionsTaken: [TEMPLATE],
          suggestedActions: [MARKUP],
        });
      expect(created.status).toBe(201);
      await expectConformant(t, created);
      const stored = await t.http.get(`/v1/notices/${created.body.id}`).set(bearer(f.keys.auditor));
      expect(stored.body.content.description).toBe(description);
      expect(stored.body.content.actionsTaken).toEqual([TEMPLATE]);

      const preview = await t.http
        .get(`/v1/notices/${created.body.id}/preview?tenantId=${f.tenantA}&channel=email`)
        .set(bearer(f.keys.auditor));
      expect(preview.status).toBe(200);
      await expectConformant(t, preview);
      const { subject, text, html } = preview.body as {
        subject: string;
        text: string;
        html: string;
      };
      expect(subject).toContain('{{7*7}}');
      expect(subject).not.toMatch(/[\r\n]/);
      expect(text).toContain('{{7*7}}');
      expect(text).toContain("{{constructor.constructor('return process')()}}");
      expect(text).toContain('DROP TABLE tenants');
      expect(text).toContain(TEMPLATE);
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;script&gt;');
    });
  });
});

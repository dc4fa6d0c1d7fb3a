import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Handlebars from 'handlebars';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contentSha256 } from '../../src/common/domain/content-hash.js';
import { NoticeRenderingService } from '../../src/notices/notice-rendering.service.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { DbProbe } from '../support/security.js';
import {
  approve,
  auditEvents,
  deliveries,
  flowKeys,
  FlowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
} from '../support/flow.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

const PUBLIC_URL = 'https://herald.example/notify';
const ATOM_SCHEMA = resolve(__dirname, '../fixtures/atom/atom.rnc');
// jing (Debian package `jing`) validates against RFC 4287's RELAX NG schema; CI installs it.
const hasJing = spawnSync('jing', [], { stdio: 'ignore' }).error === undefined;
if (!hasJing)
  console.warn(
    'jing is not installed (apt-get install jing): the RFC 4287 schema check is skipped',
  );

/** jing's verdict on `xml` against the Atom schema: '' when valid, else its messages. */
function jingErrors(xml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'herald-atom-')), 'feed.atom');
  writeFileSync(file, xml);
  const run = spawnSync('jing', ['-c', ATOM_SCHEMA, file], { encoding: 'utf8' });
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim() || `exit ${run.status}`;
}

type XmlNode = Record<string, unknown>;
const parseAtom = (xml: string) =>
  new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => ['entry', 'link', 'category'].includes(name),
  }).parse(xml) as { feed: XmlNode & { entry: XmlNode[]; link: XmlNode[] } };

const SHARED_NAMES = ['Acme <b>&</b> "Sons"', 'Zed', 'Ωmega 𝔘nicode GmbH & Co. KG'];

describe('tenant dashboard feed', () => {
  let t: TestApp;
  let keys: FlowKeys;
  let ownKey: string;
  let otherKey: string;
  let noticeId: string;

  beforeAll(async () => {
    t = await startTestApp({
      PUBLIC_URL: `${PUBLIC_URL}/`,
      PROVIDER_NAME: 'Feed Test Cloud',
      PROVIDER_CONTACT: 'security@feed-test.example',
    });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({ id: 'feed-a', services: ['feed'], locale: 'de-DE', timeZone: 'Europe/Berlin' }),
      tenantBody({ id: 'feed-b', services: ['other'] }),
      // Three tenants of the same render facts share one stored body; their names differ in
      // length, markup and script.
      ...SHARED_NAMES.map((name, i) =>
        tenantBody({ id: `feed-shared-${i}`, name, services: ['feed'] }),
      ),
    ]);
    ownKey = await t.key(['tenant'], 'feed-a');
    otherKey = await t.key(['tenant'], 'feed-b');
    const posted = await postIncident(t, keys, {
      scope: { services: ['feed'] },
      title: 'Feed <b>incident</b> & more',
    });
    noticeId = posted.noticeId;
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, posted.incidentId, 'delivered');
  });
  afterAll(async () => {
    await t.close();
  });

  it('should serve a valid JSON Feed 1.1 of the notices sent to the tenant when asked with its own key', async () => {
    const res = await t.http.get('/v1/tenants/feed-a/feed').set(bearer(ownKey));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/feed\+json/);
    const feed = JSON.parse(res.text) as Record<string, unknown> & {
      items: Array<Record<string, unknown>>;
    };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(typeof feed.title).toBe('string');
    expect(feed.feed_url).toMatch(/\/v1\/tenants\/feed-a\/feed$/);
    expect(feed.items).toHaveLength(1);
    const [item] = feed.items;
    // JSON Feed 1.1: every item has a string id and content_html or content_text.
    expect(typeof item.id).toBe('string');
    expect(typeof item.content_html).toBe('string');
    expect(typeof item.content_text).toBe('string');
    expect(item.date_published).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(item.language).toBe('de');
    expect(String(item.content_html)).not.toContain('<b>incident</b>');
    expect((item._herald as { noticeId: string }).noticeId).toBe(noticeId);
  });

  it('should store a post shared by tenants of the same facts once and give each tenant its own text, with the hash it recorded', async () => {
    const db = await DbProbe.connect(t.databaseUrl);
    try {
      const posts = await db.query<{
        tenantId: string;
        bodySha256: string | null;
        contentHtml: string | null;
        contentSha256: string;
        deliverySha256: string;
      }>(
        `SELECT p.tenant_id AS "tenantId", p.body_sha256 AS "bodySha256", p.content_html AS "contentHtml",
                p.content_sha256 AS "contentSha256", d.content_sha256 AS "deliverySha256"
           FROM feed_posts p JOIN deliveries d ON d.id = p.delivery_id
          WHERE p.tenant_id LIKE 'feed-shared-%' ORDER BY p.tenant_id`,
      );
      expect(posts).toHaveLength(SHARED_NAMES.length);
      // One body for the three, and no whole copy of it beside.
      expect(new Set(posts.map((p) => p.bodySha256)).size).toBe(1);
      expect(posts.every((p) => p.bodySha256 !== null && p.contentHtml === null)).toBe(true);
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM feed_post_bodies WHERE sha256 = $1`,
        [posts[0].bodySha256],
      );
      expect(n).toBe(1);
      for (const [i, name] of SHARED_NAMES.entries()) {
        const key = await t.key(['tenant'], `feed-shared-${i}`);
        const res = await t.http.get(`/v1/tenants/feed-shared-${i}/feed`).set(bearer(key));
        expect(res.status).toBe(200);
        const [item] = (JSON.parse(res.text) as { items: Array<Record<string, string>> }).items;
        // What the tenant reads is what Herald hashed when it posted (and recorded on the delivery).
        const sha = contentSha256({
          title: item.title,
          text: item.content_text,
          html: item.content_html,
        });
        expect(sha).toBe(posts[i].contentSha256);
        expect(sha).toBe(posts[i].deliverySha256);
        expect(item.content_text).toContain(name);
        expect(item.content_html).toContain(Handlebars.escapeExpression(name));
        expect(item.content_html).not.toContain(SHARED_NAMES[0]);
        for (const other of SHARED_NAMES.filter((n) => n !== name))
          expect(item.content_text).not.toContain(other);
      }
    } finally {
      await db.close();
    }
  });

  it('should create each dashboard record sent with its post, in one delivery.sent event from no earlier status', async () => {
    const db = await DbProbe.connect(t.databaseUrl);
    try {
      const rows = await db.query<{
        id: string;
        incidentId: string;
        status: string;
        attempts: number;
        sentAt: Date;
        publishedAt: Date;
        metDeadline: boolean;
      }>(
        `SELECT d.id, d.incident_id AS "incidentId", d.status, d.attempts, d.sent_at AS "sentAt",
                p.published_at AS "publishedAt", d.met_deadline AS "metDeadline"
           FROM deliveries d JOIN feed_posts p ON p.delivery_id = d.id
          WHERE d.notice_id = $1 AND d.channel = 'dashboard' ORDER BY d.tenant_id`,
        [noticeId],
      );
      // feed-a and the three shared tenants; feed-b is out of scope.
      expect(rows).toHaveLength(1 + SHARED_NAMES.length);
      for (const r of rows) {
        expect(r).toMatchObject({ status: 'sent', attempts: 1, metDeadline: true });
        expect(r.sentAt.getTime()).toBe(r.publishedAt.getTime());
      }
      const sent = await auditEvents(t, keys, rows[0].incidentId, 'delivery.sent');
      const dashboard = sent.filter((e) => e.change.channel === 'dashboard');
      expect(dashboard.map((e) => e.entityId).sort()).toEqual(rows.map((r) => r.id).sort());
      for (const e of dashboard)
        expect(e.change).toMatchObject({ status: { from: null, to: 'sent' }, attempts: 1 });
      const [queued] = await auditEvents(t, keys, rows[0].incidentId, 'delivery.queued');
      expect(queued.change).toMatchObject({ published: rows.length });
    } finally {
      await db.close();
    }
  });

  it('should serve the same notices as well-formed Atom when asked for feed.atom', async () => {
    const res = await t.http.get('/v1/tenants/feed-a/feed.atom').set(bearer(ownKey));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml/);
    expect(XMLValidator.validate(res.text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(res.text) as {
      feed: { '@_xmlns': string; entry: { id: string; title: unknown } };
    };
    expect(doc.feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(String(doc.feed.entry.id)).toMatch(/^urn:uuid:/);
  });

  (hasJing ? it : it.skip)(
    'should serve Atom that the RFC 4287 RELAX NG schema accepts (jing) when asked for feed.atom',
    async () => {
      const res = await t.http.get('/v1/tenants/feed-a/feed.atom').set(bearer(ownKey));
      expect(res.status).toBe(200);
      expect(jingErrors(res.text)).toBe('');
      // The schema's Schematron rules, which jing does not run: authors and content.
      const { feed } = parseAtom(res.text);
      expect(feed.author).toBeDefined();
      for (const entry of feed.entry) {
        expect(entry.author).toBeDefined();
        expect(entry.content).toBeDefined();
      }
      // The check can fail: the category without term the feed library used to write.
      expect(jingErrors(res.text.replace(/<category term="[^"]*"/, '<category label="x"'))).toMatch(
        /missing required attribute "term"/,
      );
    },
  );

  it('should carry the title as text, not HTML, when the incident title holds markup', async () => {
    const res = await t.http.get('/v1/tenants/feed-a/feed.atom').set(bearer(ownKey));
    expect(res.text).not.toContain('<b>incident</b>');
    expect(res.text).not.toContain('CDATA');
    const [entry] = parseAtom(res.text).feed.entry;
    const title = entry.title as XmlNode;
    expect(title['@_type']).toBe('text');
    expect(String(title['#text'])).toContain('Feed <b>incident</b> & more');
    expect((entry.summary as XmlNode)['@_type']).toBe('text');
  });

  it('should name the provider as author and link to itself and the JSON Feed under PUBLIC_URL', async () => {
    const { feed } = parseAtom(
      (await t.http.get('/v1/tenants/feed-a/feed.atom').set(bearer(ownKey))).text,
    );
    expect(feed.author).toEqual({ name: 'Feed Test Cloud', email: 'security@feed-test.example' });
    expect(feed.link).toEqual([
      {
        '@_rel': 'self',
        '@_type': 'application/atom+xml',
        '@_href': `${PUBLIC_URL}/v1/tenants/feed-a/feed.atom`,
      },
      {
        '@_rel': 'alternate',
        '@_type': 'application/feed+json',
        '@_href': `${PUBLIC_URL}/v1/tenants/feed-a/feed`,
      },
    ]);
    expect(feed.id).toBe('tag:herald.dev,2026:tenants/feed-a/feed');
    const json = JSON.parse(
      (await t.http.get('/v1/tenants/feed-a/feed').set(bearer(ownKey))).text,
    ) as Record<string, unknown>;
    expect(json.authors).toEqual([
      { name: 'Feed Test Cloud', url: 'mailto:security@feed-test.example' },
    ]);
    expect(json.home_page_url).toBe(`${PUBLIC_URL}/v1/tenants/feed-a`);
  });

  it('should ignore the Host header in feed URLs and answer 200 when it is invalid', async () => {
    for (const host of ['evil.example', 'bad host', '[::1', 'a'.repeat(300)]) {
      for (const path of ['/v1/tenants/feed-a/feed.atom', '/v1/tenants/feed-a/feed']) {
        const res = await t.http.get(path).set(bearer(ownKey)).set('Host', host);
        expect({ host, path, status: res.status }).toEqual({ host, path, status: 200 });
        expect(res.text).not.toContain(host.slice(0, 20));
        expect(res.text).toContain(PUBLIC_URL);
      }
    }
  });

  it('should answer 304 when If-None-Match carries the current ETag, and 200 when it does not', async () => {
    const first = await t.http.get('/v1/tenants/feed-a/feed').set(bearer(ownKey));
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await t.http
      .get('/v1/tenants/feed-a/feed')
      .set(bearer(ownKey))
      .set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.text ?? '').toBe('');
    const stale = await t.http
      .get('/v1/tenants/feed-a/feed')
      .set(bearer(ownKey))
      .set('If-None-Match', '"something-else"');
    expect(stale.status).toBe(200);
    const atom = await t.http.get('/v1/tenants/feed-a/feed.atom').set(bearer(ownKey));
    const atomAgain = await t.http
      .get('/v1/tenants/feed-a/feed.atom')
      .set(bearer(ownKey))
      .set('If-None-Match', atom.headers.etag as string);
    expect(atomAgain.status).toBe(304);
  });

  it("should refuse another tenant's key with 403 and show that tenant an empty feed of its own", async () => {
    expect((await t.http.get('/v1/tenants/feed-a/feed').set(bearer(otherKey))).status).toBe(403);
    expect((await t.http.get('/v1/tenants/feed-a/feed.atom').set(bearer(otherKey))).status).toBe(
      403,
    );
    const own = await t.http.get('/v1/tenants/feed-b/feed').set(bearer(otherKey));
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text).items).toEqual([]);
    expect((await t.http.get('/v1/tenants/feed-a/feed')).status).toBe(401);
    expect((await t.http.get('/v1/tenants/feed-a/feed').set(bearer(t.adminKey))).status).toBe(200);
  });
});

describe('a dashboard post that does not render in its fan-out page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should be created queued and posted by the sender, while the page publishes the others with their deadlines as stored', async () => {
    const keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({ id: 'post-fails-once', services: ['flaky'] }),
      tenantBody({ id: 'post-renders', services: ['flaky'] }),
    ]);
    const rendering = t.app.get(NoticeRenderingService);
    const post = rendering.post.bind(rendering);
    let failed = 0;
    const spy = jest.spyOn(rendering, 'post').mockImplementation((ctx, facts) => {
      if (facts.tenant.id === 'post-fails-once' && failed === 0) {
        failed++;
        throw new Error('template exploded');
      }
      return post(ctx, facts);
    });
    const db = await DbProbe.connect(t.databaseUrl);
    try {
      const posted = await postIncident(t, keys, { scope: { services: ['flaky'] } });
      // Deadlines with microseconds (Herald writes milliseconds): the records keep them exactly.
      await db.query(
        `UPDATE incident_tenants SET notice_due_at = notice_due_at + interval '123 microseconds'
          WHERE incident_id = $1`,
        [posted.incidentId],
      );
      await approve(t, keys, posted.noticeId);
      await waitForStatus(t, keys, posted.incidentId, 'delivered');
      expect(failed).toBe(1);
      const dashboard = (await deliveries(t, keys, posted.incidentId)).filter(
        (d) => d.channel === 'dashboard',
      );
      expect(dashboard.map((d) => [d.tenantId, d.status])).toEqual(
        expect.arrayContaining([
          ['post-fails-once', 'sent'],
          ['post-renders', 'sent'],
        ]),
      );
      const sent = await auditEvents(t, keys, posted.incidentId, 'delivery.sent');
      const from = new Map(
        sent
          .filter((e) => e.change.channel === 'dashboard')
          .map((e) => [e.change.tenantId, (e.change.status as { from: string | null }).from]),
      );
      const differing = await db.query(
        `SELECT d.id FROM deliveries d
           JOIN incident_tenants it ON it.incident_id = d.incident_id AND it.tenant_id = d.tenant_id
          WHERE d.incident_id = $1 AND d.notice_due_at <> it.notice_due_at`,
        [posted.incidentId],
      );
      expect(differing).toEqual([]);
      expect(Object.fromEntries(from)).toEqual({
        'post-fails-once': 'queued',
        'post-renders': null,
      });
      for (const [id, key] of [
        ['post-fails-once', await t.key(['tenant'], 'post-fails-once')],
        ['post-renders', await t.key(['tenant'], 'post-renders')],
      ]) {
        const res = await t.http.get(`/v1/tenants/${id}/feed`).set(bearer(key));
        expect(JSON.parse(res.text).items).toHaveLength(1);
      }
    } finally {
      spy.mockRestore();
      await db.close();
    }
  });
});

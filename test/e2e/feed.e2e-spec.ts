import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { tenantBody } from '../factories/tenant.factory.js';
import {
  approve,
  flowKeys,
  FlowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
} from '../support/flow.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

describe('tenant dashboard feed', () => {
  let t: TestApp;
  let keys: FlowKeys;
  let ownKey: string;
  let otherKey: string;
  let noticeId: string;

  beforeAll(async () => {
    t = await startTestApp();
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({ id: 'feed-a', services: ['feed'], locale: 'de-DE', timeZone: 'Europe/Berlin' }),
      tenantBody({ id: 'feed-b', services: ['other'] }),
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

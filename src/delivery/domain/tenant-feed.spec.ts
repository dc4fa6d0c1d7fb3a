import { XMLParser } from 'fast-xml-parser';
import {
  atomDocument,
  atomFeedId,
  contactOf,
  type FeedPost,
  jsonFeedDocument,
  type TenantFeed,
} from './tenant-feed.js';

const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)> & "quotes" ]]>';

function post(overrides: Partial<FeedPost> = {}): FeedPost {
  return {
    id: '6f1c2a8e-1b2c-4d5e-8f90-123456789abc',
    noticeId: '7a1c2a8e-1b2c-4d5e-8f90-123456789abc',
    incidentId: '8b1c2a8e-1b2c-4d5e-8f90-123456789abc',
    title: `Incident ${MARKUP}`,
    contentHtml: '<p>What happened: &lt;script&gt;</p>',
    contentText: `What happened: ${MARKUP}`,
    locale: 'de-DE',
    publishedAt: new Date('2026-11-28T09:00:00.000Z'),
    kind: 'initial',
    externalId: 'INC-<42>',
    ...overrides,
  };
}

function feed(overrides: Partial<TenantFeed> = {}): TenantFeed {
  return {
    tenant: { id: 'acme.eu', name: 'Acme <EU>' },
    provider: { name: 'Example Cloud', contact: 'security@cloud.example' },
    posts: [post()],
    urls: {
      home: 'https://herald.example/v1/tenants/acme.eu',
      json: 'https://herald.example/v1/tenants/acme.eu/feed',
      atom: 'https://herald.example/v1/tenants/acme.eu/feed.atom',
      next: null,
    },
    ...overrides,
  };
}

type Node = Record<string, unknown>;
const parse = (xml: string) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    isArray: (name) => ['entry', 'link', 'category'].includes(name),
  }).parse(xml) as { feed: Node & { entry: Node[]; link: Node[] } };

describe('atomDocument', () => {
  it('should carry titles and summaries as type="text" so markup in them stays characters when a title holds HTML', () => {
    const xml = atomDocument(feed());
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('<![CDATA[');
    const { feed: doc } = parse(xml);
    const [entry] = doc.entry;
    expect(entry.title).toEqual({ '@_type': 'text', '#text': `Incident ${MARKUP}` });
    expect(entry.summary).toEqual({ '@_type': 'text', '#text': `What happened: ${MARKUP}` });
    expect(doc.title).toEqual({ '@_type': 'text', '#text': 'Security notices for Acme <EU>' });
    // content is the rendered notice: HTML by design, escaped into the element.
    expect(entry.content).toEqual({
      '@_type': 'html',
      '#text': '<p>What happened: &lt;script&gt;</p>',
    });
  });

  it('should name the provider as author of the feed and each entry, with term-bearing categories', () => {
    const { feed: doc } = parse(atomDocument(feed()));
    const author = { name: 'Example Cloud', email: 'security@cloud.example' };
    expect(doc.author).toEqual(author);
    expect(doc.entry[0].author).toEqual(author);
    expect(doc.entry[0].category).toEqual([{ '@_term': 'initial' }, { '@_term': 'INC-<42>' }]);
    expect(doc.entry[0]['@_xml:lang']).toBe('de-DE');
  });

  it('should link to itself and to the JSON Feed, with ids that do not depend on URLs', () => {
    const { feed: doc } = parse(atomDocument(feed()));
    expect(doc.link).toEqual([
      {
        '@_rel': 'self',
        '@_type': 'application/atom+xml',
        '@_href': 'https://herald.example/v1/tenants/acme.eu/feed.atom',
      },
      {
        '@_rel': 'alternate',
        '@_type': 'application/feed+json',
        '@_href': 'https://herald.example/v1/tenants/acme.eu/feed',
      },
    ]);
    expect(doc.id).toBe('tag:herald.dev,2026:tenants/acme.eu/feed');
    expect(doc.entry[0].id).toBe('urn:uuid:6f1c2a8e-1b2c-4d5e-8f90-123456789abc');
    expect(doc.updated).toBe('2026-11-28T09:00:00.000Z');
  });

  it('should stay well-formed when a stored text holds characters XML cannot carry', () => {
    const xml = atomDocument(feed({ posts: [post({ title: 'a\u0001b\uFFFEc' })] }));
    expect(parse(xml).feed.entry[0].title).toEqual({ '@_type': 'text', '#text': 'abc' });
  });

  it('should cut the summary at 500 characters without splitting a character when the text is long', () => {
    const long = '😀'.repeat(600);
    const { feed: doc } = parse(atomDocument(feed({ posts: [post({ contentText: long })] })));
    const summary = (doc.entry[0].summary as { '#text': string })['#text'];
    expect(summary).toBe(`${'😀'.repeat(499)}…`);
  });

  it('should have no entry and a fixed updated time when nothing was sent yet', () => {
    const { feed: doc } = parse(atomDocument(feed({ posts: [] })));
    expect(doc.entry).toBeUndefined();
    expect(doc.updated).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('jsonFeedDocument', () => {
  it('should name the provider in authors with a mailto: URL when the contact is an email address', () => {
    expect(jsonFeedDocument(feed()).authors).toEqual([
      { name: 'Example Cloud', url: 'mailto:security@cloud.example' },
    ]);
    const web = jsonFeedDocument(
      feed({ provider: { name: 'P', contact: 'https://cloud.example/security' } }),
    );
    expect(web.authors).toEqual([{ name: 'P', url: 'https://cloud.example/security' }]);
    expect(jsonFeedDocument(feed({ provider: { name: 'P', contact: 'call us' } })).authors).toEqual(
      [{ name: 'P' }],
    );
  });

  it('should keep the JSON Feed 1.1 shape and the next page link when there is one', () => {
    const next = 'https://herald.example/v1/tenants/acme.eu/feed?cursor=abc';
    const doc = jsonFeedDocument(feed({ urls: { ...feed().urls, next } }));
    expect(doc).toEqual(
      expect.objectContaining({
        version: 'https://jsonfeed.org/version/1.1',
        feed_url: 'https://herald.example/v1/tenants/acme.eu/feed',
        next_url: next,
        language: 'de-DE',
      }),
    );
    expect((doc.items as Array<{ id: string }>)[0].id).toBe(
      'urn:uuid:6f1c2a8e-1b2c-4d5e-8f90-123456789abc',
    );
  });
});

describe('contactOf', () => {
  it.each([
    ['security@cloud.example', { email: 'security@cloud.example' }],
    [' security@localhost ', { email: 'security@localhost' }],
    ['https://cloud.example/trust', { uri: 'https://cloud.example/trust' }],
    ['mailto:sec@cloud.example', { uri: 'mailto:sec@cloud.example' }],
    ['+1 555 0100', {}],
    ['javascript:alert(1)', {}],
  ])('should read %j as %j', (contact, expected) => {
    expect(contactOf(contact)).toEqual(expected);
  });
});

describe('atomFeedId', () => {
  it('should be the same tag URI for a tenant whatever else changes', () => {
    expect(atomFeedId('t-1')).toBe('tag:herald.dev,2026:tenants/t-1/feed');
  });
});

import { XMLBuilder } from 'fast-xml-parser';
import { truncateText } from '../../notices/domain/text-sanitize.js';

/** One sent notice as the tenant's feed shows it. */
export interface FeedPost {
  id: string;
  noticeId: string;
  incidentId: string;
  title: string;
  contentHtml: string;
  contentText: string;
  locale: string;
  publishedAt: Date;
  kind: string;
  externalId: string;
}

/** Everything a tenant feed document says, from plain data. */
export interface TenantFeed {
  tenant: { id: string; name: string };
  /** The provider publishing the feed (PROVIDER_NAME, PROVIDER_CONTACT). */
  provider: { name: string; contact: string };
  posts: FeedPost[];
  urls: { json: string; atom: string; home: string; next: string | null };
}

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const SUMMARY_LENGTH = 500;
const FEED_DESCRIPTION = 'Security incident notices sent to this tenant. Private to the tenant.';

const feedTitle = (feed: TenantFeed) => `Security notices for ${feed.tenant.name}`;

/**
 * The feed's Atom id: a tag URI (RFC 4151) under the project's domain, from the tenant id
 * alone, so it stays the same when PUBLIC_URL or the tenant's name changes.
 */
export const atomFeedId = (tenantId: string): string =>
  `tag:herald.dev,2026:tenants/${encodeURIComponent(tenantId)}/feed`;

/** An entry's Atom id and JSON Feed id: the feed post's own uuid. */
export const entryId = (post: FeedPost): string => `urn:uuid:${post.id}`;

type Contact = { email: string } | { uri: string } | Record<string, never>;

/** PROVIDER_CONTACT as RFC 4287 §3.2 carries it: an email address, a URI, or neither. */
export function contactOf(contact: string): Contact {
  const value = contact.trim();
  if (/^[^\s@<>:]+@[^\s@<>]+$/.test(value)) return { email: value };
  try {
    if (['http:', 'https:', 'mailto:'].includes(new URL(value).protocol)) return { uri: value };
  } catch {
    // not a URL: the feed names the provider only
  }
  return {};
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), newest first. */
export function jsonFeedDocument(feed: TenantFeed): Record<string, unknown> {
  const contact = contactOf(feed.provider.contact);
  const authorUrl =
    'email' in contact ? `mailto:${contact.email}` : 'uri' in contact ? contact.uri : undefined;
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: feedTitle(feed),
    home_page_url: feed.urls.home,
    feed_url: feed.urls.json,
    ...(feed.urls.next ? { next_url: feed.urls.next } : {}),
    description: FEED_DESCRIPTION,
    authors: [{ name: feed.provider.name, ...(authorUrl ? { url: authorUrl } : {}) }],
    language: feed.posts[0]?.locale,
    items: feed.posts.map((p) => ({
      id: entryId(p),
      title: p.title,
      content_html: p.contentHtml,
      content_text: p.contentText,
      date_published: p.publishedAt.toISOString(),
      language: p.locale,
      tags: [p.kind, p.externalId],
      _herald: {
        noticeId: p.noticeId,
        incidentId: p.incidentId,
        kind: p.kind,
        externalId: p.externalId,
      },
    })),
  };
}

// XML 1.0 §2.2: characters a document may not hold at all, escaped or not. Intake already
// refuses most of them; the feed must stay well-formed whatever a stored text holds.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const xmlText = (value: string) => value.replace(NOT_XML_CHAR, '');

/** A Text construct of type "text": markup in it is shown as characters, never rendered. */
const plainText = (value: string) => ({ '@_type': 'text', '#text': xmlText(value) });

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Escapes &, <, >, " and ' in text and attribute values.
  processEntities: true,
  suppressEmptyNode: true,
  format: true,
});

/** Atom (RFC 4287), valid against its Appendix B schema; newest first. */
export function atomDocument(feed: TenantFeed): string {
  const contact = contactOf(feed.provider.contact);
  const author = { name: xmlText(feed.provider.name), ...contact };
  const updated = (feed.posts[0]?.publishedAt ?? new Date(0)).toISOString();
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': ATOM_NS,
      id: atomFeedId(feed.tenant.id),
      title: plainText(feedTitle(feed)),
      subtitle: plainText(FEED_DESCRIPTION),
      updated,
      author,
      link: [
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': feed.urls.atom },
        { '@_rel': 'alternate', '@_type': 'application/feed+json', '@_href': feed.urls.json },
      ],
      generator: 'Herald',
      entry: feed.posts.map((p) => ({
        '@_xml:lang': p.locale,
        id: entryId(p),
        title: plainText(p.title),
        updated: p.publishedAt.toISOString(),
        published: p.publishedAt.toISOString(),
        author,
        category: [{ '@_term': xmlText(p.kind) }, { '@_term': xmlText(p.externalId) }],
        summary: plainText(truncateText(p.contentText, SUMMARY_LENGTH)),
        // The notice as rendered for the dashboard: HTML Herald wrote, escaped into the element.
        content: { '@_type': 'html', '#text': xmlText(p.contentHtml) },
      })),
    },
  };
  return builder.build(doc) as string;
}

import { createHash, type Hash } from 'node:crypto';

/**
 * A rendered text with the tenant's name left open: the output of a template rendered with a
 * placeholder name (a sentinel), split where the sentinel stood. Every tenant whose other render
 * facts are the same (notice revision, locale, time zone, deadline, obligations) gets the same
 * text but for its name, so a notice to 100,000 tenants is rendered by Handlebars once per
 * distinct set of facts and filled in for each tenant (NoticeRenderer checks, per set, that the
 * filled text is the text Handlebars gives).
 *
 * The parts' JSON is kept too (as UTF-8), so the canonical JSON of the filled text (what the
 * content hash is taken over) goes into the hash part by part instead of being escaped, joined
 * and encoded again for each tenant.
 */
export class NameTemplate {
  private constructor(
    private readonly parts: readonly string[],
    private readonly jsonParts: readonly Buffer[],
    private readonly escape: (name: string) => string,
  ) {}

  /**
   * `rendered` split at every `sentinel`; `escape` is what the template's environment does to a
   * value (HTML escaping, or nothing in text). Null when a part is not well-formed UTF-16: its
   * JSON could not be joined (a lone surrogate at a part's end could pair with the name's).
   */
  static split(
    rendered: string,
    sentinel: string,
    escape: (name: string) => string,
  ): NameTemplate | null {
    const parts = rendered.split(sentinel);
    if (!parts.every(isWellFormed)) return null;
    return new NameTemplate(
      parts,
      parts.map((part) => Buffer.from(jsonInner(part), 'utf8')),
      escape,
    );
  }

  /** The text's parts and the escaped name that goes between them. */
  holes(name: string): { parts: readonly string[]; value: string } {
    return { parts: this.parts, value: this.escape(name) };
  }

  /** The text with `name` in every place the sentinel stood. */
  fill(name: string): string {
    return this.parts.join(this.escape(name));
  }

  /**
   * Writes `JSON.stringify(this.fill(name))` into `hash`, from the parts' JSON (kept as UTF-8)
   * and the name's. Exact when the name is well-formed UTF-16 (JSON escapes code unit by code
   * unit, but for surrogate pairs, and no pair can form across a join of well-formed strings);
   * the caller checks that.
   */
  updateJson(hash: Hash, name: string): void {
    const value = jsonInner(this.escape(name));
    hash.update('"');
    this.jsonParts.forEach((part, i) => {
      if (i > 0) hash.update(value);
      hash.update(part);
    });
    hash.update('"');
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No lone surrogate: the text has a UTF-8 form, and RFC 8785 accepts it. */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

function jsonInner(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** A member's JSON text, or what writes it into a hash. */
export type JsonMember = string | ((hash: Hash) => void);

/**
 * SHA-256 (hex) of the canonical JSON (RFC 8785) of an object of strings, given each member's
 * JSON text: the same hash as `contentSha256` of the object (RFC 8785 writes a string as
 * JSON.stringify does and sorts members by their names' UTF-16 code units, as sort() does).
 * Each value must be the JSON.stringify of a well-formed string.
 */
export function jsonMembersSha256(members: Readonly<Record<string, JsonMember>>): string {
  const hash = createHash('sha256');
  hash.update('{');
  Object.keys(members)
    .sort()
    .forEach((key, i) => {
      hash.update(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      const member = members[key];
      if (typeof member === 'string') hash.update(member);
      else member(hash);
    });
  hash.update('}');
  return hash.digest('hex');
}

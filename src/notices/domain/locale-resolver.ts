// Locale fallback, shared by the template catalogs and the per-locale notice content.
//
// For one requested tag, the candidates are, in order:
//   1. the tag itself and its truncations, ignoring case and Unicode extensions
//      (`zh-Hant-TW` → `zh-Hant` → `zh`; `ja-JP` → `ja`);
//   2. any other entry with the same language, in sorted order (`pt` and `pt-PT` → `pt-BR`,
//      `de` → `de-CH` when only that exists).
// A contact's locale is tried before the tenant's; when neither matches, `en`.
// `ja_JP.UTF-8` style POSIX names are accepted; a tag that is not BCP 47 is skipped.

export interface LocaleChoice {
  /** Catalog the notice is written in. */
  catalog: string;
  /** Tag for Intl formatting: the requested tag that matched, so `en-GB` keeps British dates. */
  intlLocale: string;
  /** Canonical tags tried, up to and including the one that chose the catalog. */
  chain: string[];
}

interface IndexedTag {
  original: string;
  base: string; // lower-case language[-script][-region][-variants], no extensions
  language: string;
}

const CACHE_LIMIT = 10_000;

/** Canonical BCP 47 form of a tag, or null when it is not one. */
export function canonicalizeLocale(tag: string): string | null {
  const trimmed = tag
    .trim()
    .replace(/[.@].*$/, '')
    .replace(/_/g, '-');
  if (trimmed === '') return null;
  try {
    return Intl.getCanonicalLocales(trimmed)[0] ?? null;
  } catch {
    return null;
  }
}

function indexTag(original: string): IndexedTag | null {
  const canonical = canonicalizeLocale(original);
  if (canonical === null) return null;
  const locale = new Intl.Locale(canonical);
  return { original, base: locale.baseName.toLowerCase(), language: locale.language.toLowerCase() };
}

function truncations(base: string): string[] {
  const parts = base.split('-');
  const out: string[] = [];
  for (let n = parts.length; n >= 1; n--) out.push(parts.slice(0, n).join('-'));
  return out;
}

/** Entries of `available` matching `tag`, best first (see the rules at the top of this file). */
export function rankLocaleMatches(tag: string, available: readonly string[]): string[] {
  const wanted = indexTag(tag);
  if (wanted === null) return [];
  const index = available.map(indexTag).filter((entry): entry is IndexedTag => entry !== null);
  const out: string[] = [];
  for (const base of truncations(wanted.base)) {
    for (const entry of index)
      if (entry.base === base && !out.includes(entry.original)) out.push(entry.original);
  }
  const sameLanguage = index
    .filter((entry) => entry.language === wanted.language && !out.includes(entry.original))
    .map((entry) => entry.original)
    .sort();
  return [...out, ...sameLanguage];
}

export class LocaleResolver {
  private readonly cache = new Map<string, LocaleChoice>();

  constructor(
    readonly locales: readonly string[],
    readonly defaultLocale: string,
  ) {}

  /** The catalog for one tag, or null when nothing matches (no default applied). */
  match(tag: string): string | null {
    return rankLocaleMatches(tag, this.locales)[0] ?? null;
  }

  /** The catalog for one tag, `en` (the default) when nothing matches. */
  resolve(tag: string): string {
    return this.match(tag) ?? this.defaultLocale;
  }

  /** Picks the catalog for the first tag that matches one; undefined or empty tags are skipped. */
  choose(tags: ReadonlyArray<string | undefined>): LocaleChoice {
    const key = tags.map((tag) => tag ?? '').join('\u0000');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const choice = this.computeChoice(tags);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, choice);
    return choice;
  }

  private computeChoice(tags: ReadonlyArray<string | undefined>): LocaleChoice {
    const chain: string[] = [];
    for (const tag of tags) {
      if (tag === undefined) continue;
      const canonical = canonicalizeLocale(tag);
      if (canonical === null) continue;
      chain.push(canonical);
      const catalog = this.match(canonical);
      if (catalog !== null) return { catalog, intlLocale: canonical, chain };
    }
    return {
      catalog: this.defaultLocale,
      intlLocale: this.defaultLocale,
      chain: [...chain, this.defaultLocale],
    };
  }
}

import { LocaleResolver, canonicalizeLocale, rankLocaleMatches } from './locale-resolver.js';

const CATALOGS = ['de', 'en', 'es', 'fr', 'ja', 'pt-BR'];

describe('canonicalizeLocale', () => {
  it('should return the canonical tag when given odd case, underscores or a POSIX suffix', () => {
    expect(canonicalizeLocale('JA-jp')).toBe('ja-JP');
    expect(canonicalizeLocale('pt_br')).toBe('pt-BR');
    expect(canonicalizeLocale('ja_JP.UTF-8')).toBe('ja-JP');
    expect(canonicalizeLocale(' de-AT ')).toBe('de-AT');
  });

  it('should return null when the tag is not BCP 47', () => {
    expect(canonicalizeLocale('')).toBeNull();
    expect(canonicalizeLocale('C')).toBeNull();
    expect(canonicalizeLocale('not a locale!')).toBeNull();
  });
});

describe('rankLocaleMatches', () => {
  it('should rank the exact tag, then its truncations, then other tags of the language when several match', () => {
    expect(rankLocaleMatches('pt-BR', ['pt', 'pt-PT', 'pt-BR', 'en'])).toEqual([
      'pt-BR',
      'pt',
      'pt-PT',
    ]);
    expect(rankLocaleMatches('zh-Hant-TW', ['zh', 'zh-Hant', 'en'])).toEqual(['zh-Hant', 'zh']);
  });

  it('should ignore Unicode extensions when matching', () => {
    expect(rankLocaleMatches('de-DE-u-co-phonebk', ['de'])).toEqual(['de']);
  });

  it('should return nothing when no entry shares the language', () => {
    expect(rankLocaleMatches('ko-KR', CATALOGS)).toEqual([]);
    expect(rankLocaleMatches('!!', CATALOGS)).toEqual([]);
  });
});

describe('LocaleResolver', () => {
  const resolver = new LocaleResolver(CATALOGS, 'en');

  it.each([
    ['ja-JP', 'ja'],
    ['ja', 'ja'],
    ['de-CH', 'de'],
    ['fr-CA', 'fr'],
    ['es-419', 'es'],
    ['pt', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['PT-br', 'pt-BR'],
    ['en-GB', 'en'],
    ['ko-KR', 'en'],
    ['', 'en'],
    ['%%%', 'en'],
  ])('should resolve %s to the %s catalog when asked', (tag, expected) => {
    expect(resolver.resolve(tag)).toBe(expected);
  });

  it('should prefer the contact locale when it matches a catalog', () => {
    expect(resolver.choose(['de-AT', 'ja-JP'])).toEqual({
      catalog: 'de',
      intlLocale: 'de-AT',
      chain: ['de-AT'],
    });
  });

  it('should fall back to the tenant locale when the contact locale matches no catalog', () => {
    expect(resolver.choose(['ko-KR', 'fr-FR'])).toEqual({
      catalog: 'fr',
      intlLocale: 'fr-FR',
      chain: ['ko-KR', 'fr-FR'],
    });
  });

  it('should use en for text and dates when no requested locale matches', () => {
    expect(resolver.choose([undefined, 'ko-KR'])).toEqual({
      catalog: 'en',
      intlLocale: 'en',
      chain: ['ko-KR', 'en'],
    });
  });
});

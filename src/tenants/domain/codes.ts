import { iso31661, iso31662 } from 'iso-3166';
import { IANAZone } from 'luxon';

const COUNTRIES = new Set(iso31661.map((c) => c.alpha2));
const SUBDIVISIONS = new Set(iso31662.map((s) => s.code));

/** ISO 3166-1 alpha-2 or ISO 3166-2 subdivision code (as published), upper case. */
export function isCountryOrSubdivision(code: string): boolean {
  return COUNTRIES.has(code) || SUBDIVISIONS.has(code);
}

/** The codes a tenant matches on: each code plus the country of each subdivision (US-CA adds US). */
export function countryMatchCodes(codes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const code of codes) {
    out.add(code);
    const dash = code.indexOf('-');
    if (dash > 0) out.add(code.slice(0, dash));
  }
  return [...out].sort();
}

// Both checks build an Intl object (about half a millisecond each): a bulk call of 10,000
// tenants spent 10 s on them with the event loop blocked. There are a few hundred zones and
// locales in use, so answers are remembered; the bound keeps made-up names from growing it.
const REMEMBERED = 2000;

function remembered(compute: (key: string) => string | null): (key: string) => string | null {
  const answers = new Map<string, string | null>();
  return (key) => {
    const known = answers.get(key);
    if (known !== undefined) return known;
    const answer = compute(key);
    if (answers.size >= REMEMBERED) answers.delete(answers.keys().next().value as string);
    answers.set(key, answer);
    return answer;
  };
}

/** The canonical IANA name, or null when the zone is unknown. Offsets like +05:00 are refused. */
export const canonicalTimeZone = remembered((name) => {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name) || !IANAZone.isValidZone(name)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
});

/** The canonical BCP 47 tag, or null when the tag is not well-formed. */
export const canonicalLocale = remembered((tag) => {
  if (tag.length > 35) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? null;
  } catch {
    return null;
  }
});

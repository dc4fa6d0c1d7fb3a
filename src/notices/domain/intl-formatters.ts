// Intl formatters are costly to build and cheap to use: one per (locale, time zone), kept.

const DATE_TIME_OPTIONS: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
};

const FORMATTER_LIMIT = 5_000;
const INSTANT_LIMIT = 50_000;

// A bounded memo: cleared when full, which is rare and only costs re-formatting.
function remember<T>(
  cache: Map<string, T>,
  key: string,
  make: () => T,
  limit = FORMATTER_LIMIT,
): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const made = make();
  if (cache.size >= limit) cache.clear();
  cache.set(key, made);
  return made;
}

export class IntlFormatters {
  private readonly dateTimes = new Map<string, Intl.DateTimeFormat>();
  // The same few instants (awareAt, deadlines) recur across every tenant of an incident.
  private readonly formattedInstants = new Map<string, string>();
  private readonly numbers = new Map<string, Intl.NumberFormat>();
  private readonly lists = new Map<string, Intl.ListFormat>();

  /**
   * Date and time with the zone's abbreviation or offset ("Tue, March 3, 2026, 2:00 PM EST").
   * An unknown time zone falls back to UTC, which the output then names, so the
   * instant shown is still right.
   */
  dateTime(locale: string, timeZone: string): Intl.DateTimeFormat {
    return remember(this.dateTimes, `${locale}|${timeZone}`, () => {
      try {
        return new Intl.DateTimeFormat(locale, { ...DATE_TIME_OPTIONS, timeZone });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        return new Intl.DateTimeFormat(locale, { ...DATE_TIME_OPTIONS, timeZone: 'UTC' });
      }
    });
  }

  /** `instant` formatted with `dateTime(locale, timeZone)`, remembered. */
  formatInstant(locale: string, timeZone: string, instant: Date): string {
    const time = instant.getTime();
    return remember(
      this.formattedInstants,
      `${locale}|${timeZone}|${time}`,
      () => this.dateTime(locale, timeZone).format(time),
      INSTANT_LIMIT,
    );
  }

  number(locale: string): Intl.NumberFormat {
    return remember(
      this.numbers,
      locale,
      () => new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }),
    );
  }

  list(locale: string): Intl.ListFormat {
    return remember(
      this.lists,
      locale,
      () => new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }),
    );
  }
}

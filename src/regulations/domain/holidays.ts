import Holidays from 'date-holidays';

export const HOLIDAY_CALENDARS = ['US', 'BR'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

export interface PublicHoliday {
  /** Local calendar date, `yyyy-mm-dd`, on which the holiday is observed. */
  readonly date: string;
  readonly name: string;
}

const WEEKEND_SHIFT = 'and if sunday then next monday if saturday then previous friday';

// The library's own data for each country, narrowed to the holidays our README lists.
// A library upgrade that renames or drops one of these rules fails loudly at first use.
const US_RULES = [
  `01-01 ${WEEKEND_SHIFT}`,
  '3rd monday in January',
  '3rd monday in February',
  'monday before 06-01',
  `06-19 ${WEEKEND_SHIFT} since 2021`,
  `07-04 ${WEEKEND_SHIFT}`,
  '1st monday in September',
  '2nd monday in October',
  `11-11 ${WEEKEND_SHIFT}`,
  '4th thursday in November',
  `12-25 ${WEEKEND_SHIFT}`,
];
// Election days (even-year Sundays) are public in the library but are not on our list.
const BR_RULES = [
  '01-01',
  'easter -2',
  '04-21',
  '05-01',
  '09-07',
  '10-12',
  '11-02',
  '11-15',
  '11-20',
  '12-25',
];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function createCalendar(calendar: HolidayCalendar): Holidays {
  const hd = new Holidays(calendar, { types: ['public'] });
  if (calendar === 'US') {
    // date-holidays (3.37) keeps Veterans Day on 11 November even on a weekend, but
    // 5 U.S.C. 6103(b) moves it like every other fixed-date federal holiday.
    hd.unsetRule('11-11');
    hd.setHoliday(`11-11 ${WEEKEND_SHIFT}`, { name: 'Veterans Day', type: 'public' });
  }
  for (const rule of calendar === 'US' ? US_RULES : BR_RULES) {
    if (hd.getRule(rule) === undefined) {
      throw new Error(`date-holidays no longer has the ${calendar} holiday rule "${rule}"`);
    }
  }
  return hd;
}

function isWeekendDate(isoDate: string): boolean {
  const day = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

const calendars = new Map<HolidayCalendar, Holidays>();
const holidayLists = new Map<string, readonly PublicHoliday[]>();
const holidaySets = new Map<string, ReadonlySet<string>>();

function computeYear(calendar: HolidayCalendar, year: number): readonly PublicHoliday[] {
  let hd = calendars.get(calendar);
  if (hd === undefined) {
    hd = createCalendar(calendar);
    calendars.set(calendar, hd);
  }
  const wanted = new Set(calendar === 'US' ? US_RULES : BR_RULES);
  const byDate = new Map<string, string>();
  for (const holiday of hd.getHolidays(year, 'en')) {
    if (holiday.type !== 'public' || !wanted.has(holiday.rule)) continue;
    const date = holiday.date.slice(0, 10);
    // The library lists a US holiday on its actual weekend date and again on the weekday
    // that observes it (for a Saturday 1 January: 31 December of the year before, listed
    // in that year). Only the observed weekday is a holiday here.
    if (!date.startsWith(`${year}-`) || (calendar === 'US' && isWeekendDate(date))) continue;
    const name = holiday.name.replace(' (substitute day)', ' (observed)');
    const existing = byDate.get(date);
    byDate.set(date, existing === undefined ? name : `${existing}; ${name}`);
  }
  return Object.freeze(
    [...byDate.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([date, name]) => Object.freeze({ date, name })),
  );
}

/**
 * Public holidays of `calendar` observed in `year`, sorted by date. US: the federal
 * holidays of 5 U.S.C. 6103 on their observed weekday. BR: the national holidays
 * (20 November since 2024, when Lei 14.759/2023 made it national).
 */
export function listPublicHolidays(
  calendar: HolidayCalendar,
  year: number,
): readonly PublicHoliday[] {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) {
    throw new RangeError(`year must be an integer between 1900 and 9999, got ${year}`);
  }
  const key = `${calendar}:${year}`;
  let list = holidayLists.get(key);
  if (list === undefined) {
    list = computeYear(calendar, year);
    holidayLists.set(key, list);
    holidaySets.set(key, new Set(list.map((h) => h.date)));
  }
  return list;
}

/** Whether the local date `isoDate` (`yyyy-mm-dd`) is a public holiday of `calendar`. */
export function isPublicHoliday(calendar: HolidayCalendar, isoDate: string): boolean {
  const match = ISO_DATE.exec(isoDate);
  if (match === null) throw new RangeError(`expected a date as yyyy-mm-dd, got "${isoDate}"`);
  const year = Number(match[1]);
  const key = `${calendar}:${year}`;
  let dates = holidaySets.get(key);
  if (dates === undefined) {
    listPublicHolidays(calendar, year);
    dates = holidaySets.get(key) as ReadonlySet<string>;
  }
  return dates.has(isoDate);
}

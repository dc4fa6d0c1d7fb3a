import { isPublicHoliday, listPublicHolidays } from './holidays.js';

// Computed independently of date-holidays (Python dateutil), one array per year, month-day.
const US_OBSERVED: Record<number, string[]> = {
  2020: ['01-01', '01-20', '02-17', '05-25', '07-03', '09-07', '10-12', '11-11', '11-26', '12-25'],
  2021: [
    '01-01',
    '01-18',
    '02-15',
    '05-31',
    '06-18',
    '07-05',
    '09-06',
    '10-11',
    '11-11',
    '11-25',
    '12-24',
    '12-31',
  ],
  2022: ['01-17', '02-21', '05-30', '06-20', '07-04', '09-05', '10-10', '11-11', '11-24', '12-26'],
  2023: [
    '01-02',
    '01-16',
    '02-20',
    '05-29',
    '06-19',
    '07-04',
    '09-04',
    '10-09',
    '11-10',
    '11-23',
    '12-25',
  ],
  2024: [
    '01-01',
    '01-15',
    '02-19',
    '05-27',
    '06-19',
    '07-04',
    '09-02',
    '10-14',
    '11-11',
    '11-28',
    '12-25',
  ],
  2025: [
    '01-01',
    '01-20',
    '02-17',
    '05-26',
    '06-19',
    '07-04',
    '09-01',
    '10-13',
    '11-11',
    '11-27',
    '12-25',
  ],
  2026: [
    '01-01',
    '01-19',
    '02-16',
    '05-25',
    '06-19',
    '07-03',
    '09-07',
    '10-12',
    '11-11',
    '11-26',
    '12-25',
  ],
  2027: [
    '01-01',
    '01-18',
    '02-15',
    '05-31',
    '06-18',
    '07-05',
    '09-06',
    '10-11',
    '11-11',
    '11-25',
    '12-24',
    '12-31',
  ],
  2028: ['01-17', '02-21', '05-29', '06-19', '07-04', '09-04', '10-09', '11-10', '11-23', '12-25'],
  2029: [
    '01-01',
    '01-15',
    '02-19',
    '05-28',
    '06-19',
    '07-04',
    '09-03',
    '10-08',
    '11-12',
    '11-22',
    '12-25',
  ],
  2030: [
    '01-01',
    '01-21',
    '02-18',
    '05-27',
    '06-19',
    '07-04',
    '09-02',
    '10-14',
    '11-11',
    '11-28',
    '12-25',
  ],
};

// Computed independently of date-holidays (Python dateutil), one array per year, month-day.
const BR_OBSERVED: Record<number, string[]> = {
  2020: ['01-01', '04-10', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '12-25'],
  2021: ['01-01', '04-02', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '12-25'],
  2022: ['01-01', '04-15', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '12-25'],
  2023: ['01-01', '04-07', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '12-25'],
  2024: ['01-01', '03-29', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
  2025: ['01-01', '04-18', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
  2026: ['01-01', '04-03', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
  2027: ['01-01', '03-26', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
  2028: ['01-01', '04-14', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
  2029: ['01-01', '03-30', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
  2030: ['01-01', '04-19', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20', '12-25'],
};

describe('listPublicHolidays', () => {
  it.each(Object.entries(US_OBSERVED))(
    'should list the observed US federal holidays when the year is %s',
    (year, days) => {
      expect(listPublicHolidays('US', Number(year)).map((h) => h.date)).toEqual(
        days.map((d) => `${year}-${d}`),
      );
    },
  );

  it.each(Object.entries(BR_OBSERVED))(
    'should list the Brazilian national holidays when the year is %s',
    (year, days) => {
      expect(listPublicHolidays('BR', Number(year)).map((h) => h.date)).toEqual(
        days.map((d) => `${year}-${d}`),
      );
    },
  );

  it('should name the observed day when a US holiday falls on a weekend', () => {
    expect(listPublicHolidays('US', 2026).find((h) => h.date === '2026-07-03')?.name).toBe(
      'Independence Day (observed)',
    );
  });

  it('should reject a year when it is not a plausible integer', () => {
    expect(() => listPublicHolidays('US', 2026.5)).toThrow(RangeError);
  });
});

describe('isPublicHoliday', () => {
  it.each([
    // US: 5 U.S.C. 6103 observed dates
    ['US', '2027-06-18', true], // Juneteenth on Saturday 19 June 2027, observed Friday
    ['US', '2027-06-19', false],
    ['US', '2026-07-03', true], // Independence Day on Saturday 4 July 2026, observed Friday
    ['US', '2026-07-04', false],
    ['US', '2027-12-24', true], // Christmas on Saturday 2027, observed Friday
    ['US', '2027-12-25', false],
    ['US', '2021-12-31', true], // New Year 2022 on a Saturday, observed Friday 31 Dec 2021
    ['US', '2022-01-01', false],
    ['US', '2027-12-31', true], // New Year 2028 on a Saturday, observed Friday 31 Dec 2027
    ['US', '2023-01-02', true], // New Year 2023 on a Sunday, observed Monday
    ['US', '2023-11-10', true], // Veterans Day on Saturday 2023, observed Friday
    ['US', '2029-11-12', true], // Veterans Day on Sunday 2029, observed Monday
    ['US', '2020-06-19', false], // Juneteenth is a federal holiday since 2021
    ['US', '2021-06-18', true],
    ['US', '2026-11-26', true], // Thanksgiving
    ['US', '2026-11-27', false], // the day after is not a federal holiday
    ['US', '2026-12-24', false], // Christmas Eve is not one either
    ['US', '2026-01-19', true], // Martin Luther King Jr. Day
    ['US', '2026-02-16', true], // Washington's Birthday
    ['US', '2026-05-25', true], // Memorial Day
    ['US', '2026-09-07', true], // Labor Day
    ['US', '2026-10-12', true], // Columbus Day
    ['US', '2026-04-03', false], // Good Friday is not a US federal holiday
    // BR: national holidays
    ['BR', '2026-04-03', true], // Good Friday 2026
    ['BR', '2027-03-26', true], // Good Friday 2027
    ['BR', '2026-11-20', true], // Black Consciousness Day
    ['BR', '2027-11-20', true],
    ['BR', '2026-04-21', true],
    ['BR', '2026-02-16', false], // Carnival Monday: optional, not a holiday
    ['BR', '2026-02-17', false], // Carnival Tuesday
    ['BR', '2026-06-04', false], // Corpus Christi: optional
    ['BR', '2026-10-04', false], // election Sunday: public in date-holidays, not on our list
    ['BR', '2026-07-03', false],
  ] as const)('should answer %s %s is %s when asked', (calendar, date, expected) => {
    expect(isPublicHoliday(calendar, date)).toBe(expected);
  });

  it('should throw when the date is not yyyy-mm-dd', () => {
    expect(() => isPublicHoliday('US', '2026-7-3')).toThrow(
      'expected a date as yyyy-mm-dd, got "2026-7-3"',
    );
  });
});

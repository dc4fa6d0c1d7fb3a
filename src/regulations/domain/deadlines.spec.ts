import {
  addBusinessDays,
  addCalendarDays,
  addHours,
  computeDueAt,
  contractualNoticeHours,
} from './deadlines.js';
import type { Deadline } from './rule-set.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => (date === null ? null : date.toISOString());

describe('addHours', () => {
  it.each([
    ['2026-03-10T12:00:00.000Z', 72, '2026-03-13T12:00:00.000Z'],
    ['2026-03-10T12:00:00.000Z', 1, '2026-03-10T13:00:00.000Z'],
    ['2026-03-10T12:00:00.000Z', 1.5, '2026-03-10T13:30:00.000Z'],
    ['2026-12-31T23:30:00.123Z', 6, '2027-01-01T05:30:00.123Z'],
    // Exact hours ignore daylight saving: the UTC hour stays, the local hour moves.
    ['2026-03-07T18:00:00.000Z', 24, '2026-03-08T18:00:00.000Z'],
  ])('should add exact hours when awareAt is %s and hours are %s', (awareAt, hours, expected) => {
    expect(iso(addHours(at(awareAt), hours))).toBe(expected);
  });

  it('should throw when hours are not positive', () => {
    expect(() => addHours(at('2026-03-10T12:00:00Z'), 0)).toThrow(
      'hours must be a positive number, got 0',
    );
  });

  it('should throw when awareAt is an invalid date', () => {
    expect(() => addHours(new Date('nope'), 1)).toThrow('awareAt must be a valid Date');
  });
});

describe('addCalendarDays', () => {
  it.each([
    // America/Los_Angeles, March: 09:00 PST (-8) -> 09:00 PDT (-7); UTC hour 17 -> 16
    ['2026-03-01T17:00:00.000Z', 30, 'America/Los_Angeles', '2026-03-31T16:00:00.000Z'],
    // America/Los_Angeles, November: 09:00 PDT (-7) -> 09:00 PST (-8); UTC hour 16 -> 17
    ['2026-10-15T16:00:00.000Z', 30, 'America/Los_Angeles', '2026-11-14T17:00:00.000Z'],
    // Europe/Berlin, March: 09:00 CET (+1) -> 09:00 CEST (+2); UTC hour 08 -> 07
    ['2026-03-20T08:00:00.000Z', 30, 'Europe/Berlin', '2026-04-19T07:00:00.000Z'],
    // Europe/Berlin, October: 09:00 CEST (+2) -> 09:00 CET (+1); UTC hour 07 -> 08
    ['2026-10-20T07:00:00.000Z', 30, 'Europe/Berlin', '2026-11-19T08:00:00.000Z'],
    // America/New_York, 60 days over the November change: 10:00 EDT -> 10:00 EST
    ['2026-09-15T14:00:00.000Z', 60, 'America/New_York', '2026-11-14T15:00:00.000Z'],
    // Australia/Sydney, southern hemisphere, April: 11:00 AEDT (+11) -> 11:00 AEST (+10)
    ['2026-03-20T00:00:00.000Z', 30, 'Australia/Sydney', '2026-04-19T01:00:00.000Z'],
    // Asia/Tokyo has no daylight saving
    ['2026-01-10T00:00:00.000Z', 30, 'Asia/Tokyo', '2026-02-09T00:00:00.000Z'],
    // Local date, not UTC date: 2026-01-31 20:00 in New York is already 1 February in UTC
    ['2026-02-01T01:00:00.000Z', 1, 'America/New_York', '2026-02-02T01:00:00.000Z'],
  ])(
    'should keep the local wall-clock time when awareAt is %s plus %s days in %s',
    (awareAt, days, zone, expected) => {
      expect(iso(addCalendarDays(at(awareAt), days, zone))).toBe(expected);
    },
  );

  // What luxon does with wall-clock times that do not exist or occur twice.
  it.each([
    // Nonexistent 02:30 on 8 March 2026 (LA): pushed forward by the gap to 03:30 PDT
    ['2026-01-07T10:30:00.000Z', 60, 'America/Los_Angeles', '2026-03-08T10:30:00.000Z'],
    // Nonexistent 02:30 on 29 March 2026 (Berlin): 03:30 CEST
    ['2026-03-01T01:30:00.000Z', 28, 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    // Ambiguous 01:30 on 1 November 2026 (LA) reached from summer time: first occurrence, PDT
    ['2026-10-02T08:30:00.000Z', 30, 'America/Los_Angeles', '2026-11-01T08:30:00.000Z'],
    // ... reached from winter time: second occurrence, PST
    ['2026-01-15T09:30:00.000Z', 290, 'America/Los_Angeles', '2026-11-01T09:30:00.000Z'],
    // Ambiguous 02:30 on 25 October 2026 (Berlin) from summer time: CEST; from winter: CET
    ['2026-07-25T00:30:00.000Z', 92, 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['2026-01-25T01:30:00.000Z', 273, 'Europe/Berlin', '2026-10-25T01:30:00.000Z'],
  ])(
    'should resolve as luxon does when awareAt %s plus %s days in %s lands on a skipped or repeated time',
    (awareAt, days, zone, expected) => {
      expect(iso(addCalendarDays(at(awareAt), days, zone))).toBe(expected);
    },
  );

  it('should throw when days are not a positive integer', () => {
    expect(() => addCalendarDays(at('2026-03-10T12:00:00Z'), 1.5, 'UTC')).toThrow(
      'days must be a positive integer, got 1.5',
    );
  });
});

describe('addBusinessDays', () => {
  it.each([
    // US, Thanksgiving 26 Nov 2026: Wed 25, (Thu 26), Fri 27, Mon 30, Tue 1 Dec
    ['2026-11-24T15:00:00.000Z', 4, 'America/New_York', 'US', '2026-12-02T04:59:59.000Z'],
    // US, Independence Day observed Fri 3 Jul 2026: Thu 2, (Fri 3), Mon 6, Tue 7, Wed 8
    ['2026-07-01T14:00:00.000Z', 4, 'America/New_York', 'US', '2026-07-09T03:59:59.000Z'],
    // Same, aware at 22:00 local on 1 July, already 2 July in UTC: the local date counts
    ['2026-07-02T02:00:00.000Z', 4, 'America/New_York', 'US', '2026-07-09T03:59:59.000Z'],
    // US, year end: Thu 31 Dec, (Fri 1 Jan 2027), Mon 4, Tue 5, Wed 6
    ['2026-12-30T15:00:00.000Z', 4, 'America/New_York', 'US', '2027-01-07T04:59:59.000Z'],
    // US, year end with New Year 2028 observed on Fri 31 Dec 2027: Thu 30, (Fri 31), Mon 3, Tue 4, Wed 5
    ['2027-12-29T15:00:00.000Z', 4, 'America/New_York', 'US', '2028-01-06T04:59:59.000Z'],
    // US, Christmas 2027 observed Fri 24 Dec: Wed 22, Thu 23, (Fri 24), Mon 27, Tue 28
    ['2027-12-21T15:00:00.000Z', 4, 'America/New_York', 'US', '2027-12-29T04:59:59.000Z'],
    // US, aware on a Saturday; Veterans Day Wed 11 Nov 2026: Mon 9, Tue 10, (Wed 11), Thu 12, Fri 13
    ['2026-11-07T15:00:00.000Z', 4, 'America/New_York', 'US', '2026-11-14T04:59:59.000Z'],
    // US, across the November DST change: due 23:59:59 EST (-5)
    ['2026-10-29T14:00:00.000Z', 4, 'America/New_York', 'US', '2026-11-05T04:59:59.000Z'],
    // BR, 20 Nov 2026 is a Friday: Thu 19, (Fri 20), Mon 23, Tue 24
    ['2026-11-18T15:00:00.000Z', 3, 'America/Sao_Paulo', 'BR', '2026-11-25T02:59:59.000Z'],
    // Same, aware 22:00 local on 18 Nov, already the 19th in UTC
    ['2026-11-19T01:00:00.000Z', 3, 'America/Sao_Paulo', 'BR', '2026-11-25T02:59:59.000Z'],
    // BR, Good Friday 3 Apr 2026: Thu 2, (Fri 3), Mon 6, Tue 7
    ['2026-04-01T12:00:00.000Z', 3, 'America/Sao_Paulo', 'BR', '2026-04-08T02:59:59.000Z'],
    // BR, Carnival is not a holiday: Mon 16, Tue 17, Wed 18 Feb 2026
    ['2026-02-13T12:00:00.000Z', 3, 'America/Sao_Paulo', 'BR', '2026-02-19T02:59:59.000Z'],
    // BR, year end: Wed 30, Thu 31, (Fri 1 Jan 2027), Mon 4
    ['2026-12-29T12:00:00.000Z', 3, 'America/Sao_Paulo', 'BR', '2027-01-05T02:59:59.000Z'],
    // BR, Christmas: Thu 24, (Fri 25), Mon 28, Tue 29
    ['2026-12-23T12:00:00.000Z', 3, 'America/Sao_Paulo', 'BR', '2026-12-30T02:59:59.000Z'],
  ] as const)(
    'should count business days when awareAt is %s plus %s in %s with %s holidays',
    (awareAt, days, zone, holidays, expected) => {
      expect(iso(addBusinessDays(at(awareAt), days, zone, holidays))).toBe(expected);
    },
  );
});

describe('contractualNoticeHours', () => {
  it.each([
    [null, 72, 72],
    [24, 72, 24],
    [168, 72, 168],
  ])('should pick %s over the default %s when resolving, giving %s', (own, fallback, expected) => {
    expect(contractualNoticeHours(own, fallback)).toBe(expected);
  });

  it('should throw when the tenant hours are not positive', () => {
    expect(() => contractualNoticeHours(-1, 72)).toThrow(
      'contractualNoticeHours must be a positive number, got -1',
    );
  });
});

describe('computeDueAt', () => {
  const awareAt = at('2026-03-10T12:00:00.000Z');
  it.each<[string, Deadline | null, string | null]>([
    ['no fixed deadline', null, null],
    ['hours', { amount: 72, unit: 'hours' }, '2026-03-13T12:00:00.000Z'],
    [
      'days',
      { amount: 30, unit: 'days', timeZone: 'America/Los_Angeles' },
      '2026-04-09T12:00:00.000Z',
    ],
    [
      'business-days',
      { amount: 4, unit: 'business-days', timeZone: 'America/New_York', holidays: 'US' },
      '2026-03-17T03:59:59.000Z',
    ],
    [
      'contract hours',
      { amount: 'tenant.contractualNoticeHours', unit: 'hours' },
      '2026-03-12T12:00:00.000Z',
    ],
  ])('should compute the due instant when the deadline is %s', (_name, deadline, expected) => {
    expect(iso(computeDueAt(deadline, awareAt, 48))).toBe(expected);
  });

  it('should throw when a contract deadline gets no tenant hours', () => {
    expect(() =>
      computeDueAt({ amount: 'tenant.contractualNoticeHours', unit: 'hours' }, awareAt),
    ).toThrow("needs the tenant's notice hours");
  });
});

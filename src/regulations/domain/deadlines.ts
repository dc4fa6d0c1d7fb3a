import { DateTime } from 'luxon';
import { isPublicHoliday, type HolidayCalendar } from './holidays.js';
import { TENANT_CONTRACTUAL_NOTICE_HOURS, type Deadline } from './rule-set.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function assertValidDate(value: Date, what: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RangeError(`${what} must be a valid Date`);
  }
}

function assertPositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${what} must be a positive number, got ${value}`);
  }
}

/** `awareAt` plus exactly `hours` hours (fractions allowed, rounded to the millisecond). */
export function addHours(awareAt: Date, hours: number): Date {
  assertValidDate(awareAt, 'awareAt');
  assertPositive(hours, 'hours');
  return new Date(awareAt.getTime() + Math.round(hours * HOUR_MS));
}

/**
 * The same local wall-clock time `days` calendar days after `awareAt` in `timeZone`, so
 * across a daylight-saving change the UTC hour moves. Where that wall-clock time does not
 * exist or occurs twice, luxon decides: a time in a spring-forward gap moves forward by
 * the gap (02:30 becomes 03:30 the new offset), and an ambiguous fall-back time keeps the
 * offset awareAt had (from summer time: the first occurrence; from winter time: the second).
 */
export function addCalendarDays(awareAt: Date, days: number, timeZone: string): Date {
  assertValidDate(awareAt, 'awareAt');
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`days must be a positive integer, got ${days}`);
  const due = DateTime.fromMillis(awareAt.getTime(), { zone: timeZone }).plus({ days });
  if (!due.isValid)
    throw new RangeError(
      `cannot add ${days} days in time zone "${timeZone}": ${due.invalidExplanation}`,
    );
  return due.toJSDate();
}

/**
 * Counts `days` business days after the local date of `awareAt` in `timeZone` (that date
 * never counts), skipping Saturdays, Sundays and `holidays`; due at 23:59:59.000 local
 * time on the last counted day.
 */
export function addBusinessDays(
  awareAt: Date,
  days: number,
  timeZone: string,
  holidays: HolidayCalendar,
): Date {
  assertValidDate(awareAt, 'awareAt');
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`days must be a positive integer, got ${days}`);
  const local = DateTime.fromMillis(awareAt.getTime(), { zone: timeZone });
  if (!local.isValid)
    throw new RangeError(`invalid time zone "${timeZone}": ${local.invalidExplanation}`);
  // Walk plain calendar dates on a UTC grid: no offsets, so no DST surprises.
  let dateMs = Date.UTC(local.year, local.month - 1, local.day);
  let counted = 0;
  while (counted < days) {
    dateMs += DAY_MS;
    const date = new Date(dateMs);
    const weekday = date.getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    if (isPublicHoliday(holidays, date.toISOString().slice(0, 10))) continue;
    counted++;
  }
  const last = new Date(dateMs);
  const due = DateTime.fromObject(
    {
      year: last.getUTCFullYear(),
      month: last.getUTCMonth() + 1,
      day: last.getUTCDate(),
      hour: 23,
      minute: 59,
      second: 59,
      millisecond: 0,
    },
    { zone: timeZone },
  );
  return due.toJSDate();
}

/** The tenant's own contractual notice period in hours, else the service default. */
export function contractualNoticeHours(tenantHours: number | null, defaultHours: number): number {
  if (tenantHours !== null) {
    assertPositive(tenantHours, 'contractualNoticeHours');
    return tenantHours;
  }
  assertPositive(defaultHours, 'defaultContractualNoticeHours');
  return defaultHours;
}

/**
 * When a rule's deadline falls for an incident the provider became aware of at `awareAt`;
 * null when the rule has no fixed deadline. `noticeHours` is used only by a deadline whose
 * amount is `tenant.contractualNoticeHours` (resolve it with `contractualNoticeHours`).
 */
export function computeDueAt(
  deadline: Deadline | null,
  awareAt: Date,
  noticeHours?: number,
): Date | null {
  if (deadline === null) return null;
  let amount: number;
  if (deadline.amount === TENANT_CONTRACTUAL_NOTICE_HOURS) {
    if (noticeHours === undefined) {
      throw new RangeError(
        `a deadline of ${TENANT_CONTRACTUAL_NOTICE_HOURS} needs the tenant's notice hours`,
      );
    }
    amount = noticeHours;
  } else {
    amount = deadline.amount;
  }
  switch (deadline.unit) {
    case 'hours':
      return addHours(awareAt, amount);
    case 'days':
      return addCalendarDays(awareAt, amount, requireTimeZone(deadline));
    case 'business-days': {
      if (deadline.holidays === undefined)
        throw new RangeError('a business-days deadline needs a holidays calendar');
      return addBusinessDays(awareAt, amount, requireTimeZone(deadline), deadline.holidays);
    }
  }
}

function requireTimeZone(deadline: Deadline): string {
  if (deadline.timeZone === undefined)
    throw new RangeError(`a ${deadline.unit} deadline needs a timeZone`);
  return deadline.timeZone;
}

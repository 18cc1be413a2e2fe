/**
 * Business calendar (工作日历): weekends, public holidays and 调休 make-up working days (a
 * Saturday or Sunday declared a working day to bridge a long holiday). Pure: dates are ISO strings
 * computed in UTC like src/domain/dates.ts.
 */
import { addDays } from '../dates';

export type CalendarDayKind = 'holiday' | 'workday';

export interface CalendarDay {
  date: string;
  kind: CalendarDayKind;
  name: string;
}

export interface BusinessCalendar {
  /** Days off that would otherwise be working days (春节, 国庆…). */
  holidays: ReadonlySet<string>;
  /** Weekend days declared working days (调休上班). They win over the weekend rule. */
  workdays: ReadonlySet<string>;
  /** Weekday numbers that are off (0 = Sunday … 6 = Saturday); default Saturday and Sunday. */
  weekend: ReadonlySet<number>;
}

export function buildCalendar(days: readonly CalendarDay[], weekend: readonly number[] = [0, 6]): BusinessCalendar {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const d of days) (d.kind === 'holiday' ? holidays : workdays).add(d.date);
  return { holidays, workdays, weekend: new Set(weekend) };
}

/** Every day is a business day (a customer that is contacted any day). */
export const ALWAYS_OPEN: BusinessCalendar = { holidays: new Set(), workdays: new Set(), weekend: new Set() };

export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function isBusinessDay(cal: BusinessCalendar, date: string): boolean {
  if (cal.holidays.has(date)) return false;
  if (cal.workdays.has(date)) return true;
  return !cal.weekend.has(weekdayOf(date));
}

/** The date itself when it is a business day, else the next one (bounded: a calendar with no business day throws). */
export function nextBusinessDay(cal: BusinessCalendar, date: string): string {
  let d = date;
  for (let i = 0; i < 366; i++) {
    if (isBusinessDay(cal, d)) return d;
    d = addDays(d, 1);
  }
  throw new Error('the business calendar has no working day within a year');
}

/**
 * Mainland China public holidays and 调休 make-up days as published by the State Council
 * (国务院办公厅关于部分节假日安排的通知) for 2025 and 2026. Seeded into business_calendar by the
 * migration; administrators add later years through the API as each notice is published.
 */
export const CN_HOLIDAYS: readonly CalendarDay[] = [
  ...span('2025-01-01', 1, '元旦'),
  { date: '2025-01-26', kind: 'workday', name: '春节调休' },
  ...span('2025-01-28', 8, '春节'),
  { date: '2025-02-08', kind: 'workday', name: '春节调休' },
  ...span('2025-04-04', 3, '清明节'),
  { date: '2025-04-27', kind: 'workday', name: '劳动节调休' },
  ...span('2025-05-01', 5, '劳动节'),
  ...span('2025-05-31', 3, '端午节'),
  { date: '2025-09-28', kind: 'workday', name: '国庆节调休' },
  ...span('2025-10-01', 8, '国庆节、中秋节'),
  { date: '2025-10-11', kind: 'workday', name: '国庆节调休' },
  ...span('2026-01-01', 3, '元旦'),
  { date: '2026-01-04', kind: 'workday', name: '元旦调休' },
  { date: '2026-02-14', kind: 'workday', name: '春节调休' },
  ...span('2026-02-15', 9, '春节'),
  { date: '2026-02-28', kind: 'workday', name: '春节调休' },
  ...span('2026-04-04', 3, '清明节'),
  ...span('2026-05-01', 5, '劳动节'),
  { date: '2026-05-09', kind: 'workday', name: '劳动节调休' },
  ...span('2026-06-19', 3, '端午节'),
  ...span('2026-09-25', 3, '中秋节'),
  { date: '2026-09-20', kind: 'workday', name: '国庆节调休' },
  ...span('2026-10-01', 7, '国庆节'),
  { date: '2026-10-10', kind: 'workday', name: '国庆节调休' },
];

function span(start: string, days: number, name: string): CalendarDay[] {
  return Array.from({ length: days }, (_, i) => ({ date: addDays(start, i), kind: 'holiday' as const, name }));
}

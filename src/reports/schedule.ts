/**
 * When a weekly report is due: the latest moment at or before `now` that falls on the
 * subscription's weekday and hour in its time zone, and the ISO week that moment belongs to.
 * Pure (Intl for the time zone).
 */

export interface LocalTime {
  date: string;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  hour: number;
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, weekday, hour: Number(get('hour')) };
}

const DAY = 86_400_000;
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** ISO 8601 week of a calendar date: "2026-W47". */
export function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(d.getTime() + (3 - weekday) * DAY);
  // The week belongs to the year of its Thursday, and counts from that year's first Thursday.
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The local date of the latest scheduled send at or before now, and its ISO week. */
export function lastScheduled(now: Date, sub: { weekday: number; hour: number; timeZone: string }): { date: string; period: string } {
  const t = localTime(now, sub.timeZone);
  let back = (t.weekday - sub.weekday + 7) % 7;
  if (back === 0 && t.hour < sub.hour) back = 7;
  const date = shift(t.date, -back);
  return { date, period: isoWeek(date) };
}

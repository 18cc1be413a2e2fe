/**
 * Day arithmetic for the generator. A Day is a whole number of days since 1970-01-01 (UTC), so
 * that no time zone or daylight-saving rule can shift a date.
 */

export type Day = number;

const DAY_MS = 86_400_000;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseDay(text: string): Day {
  const m = ISO.exec(text);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${text}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / DAY_MS;
  if (formatDay(day) !== text) throw new Error(`not a calendar date: ${text}`);
  return day;
}

export function formatDay(day: Day): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dayOf(year: number, month: number, dayOfMonth: number): Day {
  return Date.UTC(year, month - 1, dayOfMonth) / DAY_MS;
}

export function ymd(day: Day): { y: number; m: number; d: number } {
  const dt = new Date(day * DAY_MS);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: Day): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isBusinessDay(day: Day): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6;
}

/** The day itself when it is a weekday, else the following Monday. */
export function nextBusinessDay(day: Day): Day {
  const w = weekday(day);
  return w === 6 ? day + 2 : w === 0 ? day + 1 : day;
}

/** The day itself when it is a weekday, else the preceding Friday. */
export function prevBusinessDay(day: Day): Day {
  const w = weekday(day);
  return w === 6 ? day - 1 : w === 0 ? day - 2 : day;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The same day of month `months` later (clamped to the month's last day). */
export function addMonths(day: Day, months: number): Day {
  const { y, m, d } = ymd(day);
  const idx = y * 12 + (m - 1) + months;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return dayOf(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** The local calendar date of this process, as YYYY-MM-DD. */
export function localToday(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** A timestamp at the given day and minute of day in China Standard Time (UTC+8). */
export function cstTimestamp(day: Day, minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const mi = minuteOfDay % 60;
  return `${formatDay(day)}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:00+08:00`;
}

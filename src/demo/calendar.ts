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

/** Spring Festival holidays (春节), first and last day, for the years the demo usually spans. */
const SPRING_FESTIVAL: Readonly<Record<number, readonly [number, number, number, number]>> = {
  2023: [1, 21, 1, 27],
  2024: [2, 10, 2, 17],
  2025: [1, 28, 2, 4],
  2026: [2, 15, 2, 23],
  2027: [2, 6, 2, 12],
  2028: [1, 26, 2, 1],
};

/**
 * Chinese public holidays, approximately: New Year's Day, the Spring Festival week (known years),
 * Labour Day (1–5 May) and National Day (1–7 October). Make-up working weekends are ignored.
 */
export function isHoliday(day: Day): boolean {
  const { y, m, d } = ymd(day);
  if (m === 1 && d === 1) return true;
  if (m === 5 && d <= 5) return true;
  if (m === 10 && d <= 7) return true;
  const sf = SPRING_FESTIVAL[y];
  if (sf) {
    const from = dayOf(y, sf[0], sf[1]);
    const to = dayOf(y, sf[2], sf[3]);
    if (day >= from && day <= to) return true;
  }
  return false;
}

/** Monday to Friday and not a public holiday. */
export function isBusinessDay(day: Day): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6 && !isHoliday(day);
}

/** The day itself when it is a business day, else the next one. */
export function nextBusinessDay(day: Day): Day {
  let d = day;
  while (!isBusinessDay(d)) d++;
  return d;
}

/** The day itself when it is a business day, else the previous one. */
export function prevBusinessDay(day: Day): Day {
  let d = day;
  while (!isBusinessDay(d)) d--;
  return d;
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

/**
 * Quiet hours in the customer's time zone: messages go out only inside a daily send window
 * (e.g. 09:00–18:00 local) on the customer's business days. Pure: the instant is passed in.
 */
import { addDays } from '../dates';
import { type BusinessCalendar, isBusinessDay, nextBusinessDay } from './calendar';

export interface SendWindow {
  /** Minutes after local midnight, inclusive (540 = 09:00). */
  startMinute: number;
  /** Minutes after local midnight, exclusive (1080 = 18:00); 1440 = end of day. */
  endMinute: number;
}

export const DEFAULT_WINDOW: SendWindow = { startMinute: 9 * 60, endMinute: 18 * 60 };
export const ANY_TIME: SendWindow = { startMinute: 0, endMinute: 24 * 60 };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and minute of the day of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): { date: string; minute: number; second: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
    second: Number(parts.second),
  };
}

export function localDate(at: Date, timeZone: string): string {
  return localParts(at, timeZone).date;
}

/** Offset of the zone from UTC at an instant, in milliseconds (east positive). */
function offsetMs(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const wall = Date.parse(`${p.date}T00:00:00Z`) + p.minute * 60_000 + p.second * 1000;
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant at which the wall clock in timeZone shows `date` + `minute`. In a DST gap the
 * instant just after the gap is returned; in an overlap the earlier one.
 */
export function zonedInstant(date: string, minute: number, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + minute * 60_000;
  let guess = wall - offsetMs(new Date(wall), timeZone);
  const second = wall - offsetMs(new Date(guess), timeZone);
  if (second !== guess) guess = Math.max(guess, second);
  return new Date(guess);
}

/** True when `at` lies inside the send window on a business day of the customer. */
export function isSendable(at: Date, timeZone: string, window: SendWindow, cal: BusinessCalendar): boolean {
  const p = localParts(at, timeZone);
  return isBusinessDay(cal, p.date) && p.minute >= window.startMinute && p.minute < window.endMinute;
}

/**
 * The earliest instant at or after `at` when a message may go out: `at` itself inside the window
 * on a business day, else the window's start on the next business day (a holiday or weekend
 * shifts it forward, a 调休 working day does not).
 */
export function nextSendInstant(at: Date, timeZone: string, window: SendWindow, cal: BusinessCalendar): Date {
  if (window.endMinute <= window.startMinute) throw new Error('empty send window');
  const p = localParts(at, timeZone);
  if (isBusinessDay(cal, p.date)) {
    if (p.minute >= window.startMinute && p.minute < window.endMinute) return at;
    if (p.minute < window.startMinute) return zonedInstant(p.date, window.startMinute, timeZone);
  }
  const day = nextBusinessDay(cal, addDays(p.date, 1));
  return zonedInstant(day, window.startMinute, timeZone);
}

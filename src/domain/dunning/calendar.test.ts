import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates';
import { ALWAYS_OPEN, buildCalendar, CN_HOLIDAYS, isBusinessDay, nextBusinessDay } from './calendar';
import { DEFAULT_WINDOW, isSendable, localDate, nextSendInstant, zonedInstant } from './window';

const cn = buildCalendar(CN_HOLIDAYS);

describe('business calendar', () => {
  it('knows weekends, holidays and 调休 make-up working days', () => {
    expect(isBusinessDay(cn, '2026-03-06')).toBe(true); // Friday
    expect(isBusinessDay(cn, '2026-03-07')).toBe(false); // Saturday
    expect(isBusinessDay(cn, '2026-02-16')).toBe(false); // 春节 Monday
    expect(isBusinessDay(cn, '2026-02-14')).toBe(true); // 调休 Saturday
    expect(isBusinessDay(cn, '2026-10-01')).toBe(false); // 国庆
    expect(isBusinessDay(cn, '2026-10-10')).toBe(true); // 调休 Saturday
    expect(isBusinessDay(ALWAYS_OPEN, '2026-02-16')).toBe(true);
  });

  it('shifts to the next business day across a long holiday', () => {
    expect(nextBusinessDay(cn, '2026-02-15')).toBe('2026-02-24'); // 春节 15–23
    expect(nextBusinessDay(cn, '2026-09-30')).toBe('2026-09-30');
    expect(nextBusinessDay(cn, '2026-10-01')).toBe('2026-10-08');
    expect(nextBusinessDay(cn, '2026-03-07')).toBe('2026-03-09');
  });

  it('next business day is a business day, not before the date, and nothing between is one (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 730 }), (offset) => {
        const d = addDays('2025-01-01', offset);
        const next = nextBusinessDay(cn, d);
        expect(next >= d).toBe(true);
        expect(isBusinessDay(cn, next)).toBe(true);
        for (let x = d; x < next; x = addDays(x, 1)) expect(isBusinessDay(cn, x)).toBe(false);
      }),
    );
  });
});

describe('quiet hours in the customer’s time zone', () => {
  it('maps local wall-clock times to instants', () => {
    expect(zonedInstant('2026-03-10', 540, 'Asia/Shanghai').toISOString()).toBe('2026-03-10T01:00:00.000Z');
    expect(zonedInstant('2026-07-01', 540, 'Europe/Berlin').toISOString()).toBe('2026-07-01T07:00:00.000Z'); // CEST
    expect(zonedInstant('2026-01-15', 540, 'Europe/Berlin').toISOString()).toBe('2026-01-15T08:00:00.000Z'); // CET
    expect(localDate(new Date('2026-03-09T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-03-10');
  });

  it('sends now inside the window, else at the window’s start on the next business day', () => {
    const at = (iso: string, tz = 'Asia/Shanghai') => nextSendInstant(new Date(iso), tz, DEFAULT_WINDOW, cn).toISOString();
    expect(at('2026-03-10T02:00:00Z')).toBe('2026-03-10T02:00:00.000Z'); // 10:00 Shanghai, Tuesday
    expect(at('2026-03-09T23:00:00Z')).toBe('2026-03-10T01:00:00.000Z'); // 07:00 → 09:00
    expect(at('2026-03-10T10:00:00Z')).toBe('2026-03-11T01:00:00.000Z'); // 18:00 is quiet → tomorrow 09:00
    expect(at('2026-03-06T12:00:00Z')).toBe('2026-03-09T01:00:00.000Z'); // Friday 20:00 → Monday
    expect(at('2026-02-13T11:00:00Z')).toBe('2026-02-14T01:00:00.000Z'); // Friday 19:00 → 调休 Saturday
    expect(at('2026-02-14T11:00:00Z')).toBe('2026-02-24T01:00:00.000Z'); // → after 春节
    // A customer in New York: 09:00 EDT is 13:00 UTC.
    expect(at('2026-07-01T12:00:00Z', 'America/New_York')).toBe('2026-07-01T13:00:00.000Z');
  });

  it('the instant found is sendable and nothing sendable comes before it (property)', () => {
    const zones = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 24 * 4 }), fc.constantFrom(...zones), (q, tz) => {
        const at = new Date(Date.parse('2025-06-01T00:00:00Z') + q * 15 * 60_000);
        const next = nextSendInstant(at, tz, DEFAULT_WINDOW, cn);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(isSendable(next, tz, DEFAULT_WINDOW, cn)).toBe(true);
        for (let t = at.getTime(); t < next.getTime(); t += 30 * 60_000) expect(isSendable(new Date(t), tz, DEFAULT_WINDOW, cn)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, endOfMonth, isIsoDate, todayIso } from './dates';

/** Any calendar date 1970–2199 as YYYY-MM-DD. */
const isoDate = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('isIsoDate', () => {
  it.each([
    ['2024-02-29', true], // leap year
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2024-04-31', false],
    ['2024-13-01', false],
    ['2024-00-10', false],
    ['2024-1-01', false],
    ['2024/01/01', false],
    ['2024-01-01T00:00:00Z', false],
    ['', false],
  ])('"%s" → %s', (text, ok) => {
    expect(isIsoDate(text)).toBe(ok);
  });

  it('property: every real date is valid', () => {
    fc.assert(
      fc.property(isoDate, (d) => {
        expect(isIsoDate(d)).toBe(true);
      }),
    );
  });
});

describe('addDays / daysBetween', () => {
  it.each([
    ['2024-02-28', 1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2024-12-31', 1, '2025-01-01'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2024-01-15', 30, '2024-02-14'],
    ['2024-03-30', 1, '2024-03-31'], // no time-zone / DST drift
    ['2024-10-26', 2, '2024-10-28'],
  ])('%s + %i days = %s', (d, n, expected) => {
    expect(addDays(d, n)).toBe(expected);
    expect(daysBetween(d, expected)).toBe(n);
    expect(daysBetween(expected, d)).toBe(-n);
  });

  it.each([
    ['2024-01-01', '2024-12-31', 365], // leap year
    ['2023-01-01', '2023-12-31', 364],
    ['2024-01-01', '2024-01-01', 0],
  ])('from %s to %s is %i days', (a, b, n) => {
    expect(daysBetween(a, b)).toBe(n);
  });

  it('refuses malformed dates', () => {
    expect(() => addDays('2024-02-30', 1)).toThrow();
    expect(() => daysBetween('2024-01-01', 'tomorrow')).toThrow();
  });

  it('property: daysBetween(d, addDays(d, n)) = n', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -20_000, max: 20_000 }), (d, n) => {
        const e = addDays(d, n);
        expect(isIsoDate(e)).toBe(true);
        expect(daysBetween(d, e)).toBe(n);
        expect(addDays(e, -n)).toBe(d);
      }),
    );
  });
});

describe('addMonths: the same day next month, or the month’s last day', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-29'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-03-31', -1, '2024-02-29'],
    ['2024-11-30', 3, '2025-02-28'],
    ['2024-01-15', 12, '2025-01-15'],
    ['2024-05-31', 1, '2024-06-30'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2024-01-10', 0, '2024-01-10'],
  ])('%s + %i months = %s', (d, n, expected) => {
    expect(addMonths(d, n)).toBe(expected);
  });

  it('property: lands in the right month on the same day or the last day of that month', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -120, max: 120 }), (d, n) => {
        const r = addMonths(d, n);
        const [y, m, day] = d.split('-').map(Number) as [number, number, number];
        const [ry, rm, rday] = r.split('-').map(Number) as [number, number, number];
        expect(ry * 12 + rm).toBe(y * 12 + m + n);
        expect(rday === day || (rday < day && r === endOfMonth(r))).toBe(true);
      }),
    );
  });
});

describe('endOfMonth', () => {
  it.each([
    ['2024-02-10', '2024-02-29'],
    ['2023-02-01', '2023-02-28'],
    ['2024-12-31', '2024-12-31'],
    ['2024-04-01', '2024-04-30'],
  ])('%s → %s', (d, e) => {
    expect(endOfMonth(d)).toBe(e);
  });

  it('property: the day after the end of a month is the 1st', () => {
    fc.assert(
      fc.property(isoDate, (d) => {
        const e = endOfMonth(d);
        expect(e.slice(0, 7)).toBe(d.slice(0, 7));
        expect(addDays(e, 1).slice(8)).toBe('01');
      }),
    );
  });
});

describe('todayIso: the business date in Beijing (UTC+8)', () => {
  it.each([
    ['2024-03-31T15:59:59.999Z', '2024-03-31'], // 23:59:59 in Beijing
    ['2024-03-31T16:00:00.000Z', '2024-04-01'], // midnight in Beijing
    ['2024-12-31T20:00:00.000Z', '2025-01-01'],
    ['2024-06-01T00:00:00.000Z', '2024-06-01'],
  ])('at %s it is %s', (instant, date) => {
    expect(todayIso(new Date(instant))).toBe(date);
  });
});

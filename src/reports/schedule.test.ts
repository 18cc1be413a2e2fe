import { describe, expect, it } from 'vitest';
import { isoWeek, lastScheduled, localTime } from './schedule';

describe('weekly report schedule', () => {
  it('reads the local date, weekday and hour in the subscriber’s time zone', () => {
    // 2026-11-22 is a Sunday; 18:30 UTC is Monday 02:30 in Shanghai.
    expect(localTime(new Date('2026-11-22T18:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2026-11-23', weekday: 1, hour: 2 });
    expect(localTime(new Date('2026-11-22T18:30:00Z'), 'Europe/Berlin')).toEqual({ date: '2026-11-22', weekday: 7, hour: 19 });
  });

  it('numbers ISO weeks across year ends', () => {
    expect(isoWeek('2026-11-23')).toBe('2026-W48');
    expect(isoWeek('2026-01-01')).toBe('2026-W01');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(isoWeek('2021-01-03')).toBe('2020-W53');
  });

  it('finds the latest Monday-08:00 at or before now, catching up a missed hour but not sending early', () => {
    const sub = { weekday: 1, hour: 8, timeZone: 'Asia/Shanghai' };
    // Monday 07:59 Shanghai: not yet this week's — last week's Monday.
    expect(lastScheduled(new Date('2026-11-22T23:59:00Z'), sub)).toEqual({ date: '2026-11-16', period: '2026-W47' });
    // Monday 08:00 and Wednesday: this week's.
    expect(lastScheduled(new Date('2026-11-23T00:00:00Z'), sub)).toEqual({ date: '2026-11-23', period: '2026-W48' });
    expect(lastScheduled(new Date('2026-11-25T10:00:00Z'), sub)).toEqual({ date: '2026-11-23', period: '2026-W48' });
  });
});

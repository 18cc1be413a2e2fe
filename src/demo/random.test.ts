import { describe, expect, it } from 'vitest';
import { formatDay, isBusinessDay, nextBusinessDay, parseDay, prevBusinessDay, weekday } from './calendar';
import { isValidUscc, makeUscc, orgCodeCheckChar, usccCheckChar } from './names';
import { Rng } from './random';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Rng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Rng(20250101);
    const b = new Rng(20250101);
    const c = new Rng(20250102);
    const xs = Array.from({ length: 50 }, () => a.u32());
    expect(Array.from({ length: 50 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.u32())).not.toEqual(xs);
  });

  it('forks streams that depend only on the seed and the label', () => {
    const a = new Rng(7);
    const f1 = a.fork('x').u32();
    a.u32();
    a.u32();
    expect(a.fork('x').u32()).toBe(f1);
    expect(a.fork('y').u32()).not.toBe(f1);
  });

  it('makes valid-looking v4 UUIDs', () => {
    const r = new Rng(1);
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = r.uuid();
      expect(id).toMatch(UUID_V4);
      ids.add(id);
    }
    expect(ids.size).toBe(2000);
  });

  it('draws in range', () => {
    const r = new Rng(99);
    for (let i = 0; i < 5000; i++) {
      const n = r.int(3, 7);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(7);
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('USCC (GB 32100-2015)', () => {
  it('computes the check characters of the standard example 91350100M000100Y43', () => {
    expect(orgCodeCheckChar('M000100Y')).toBe('4');
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
    expect(isValidUscc('91350100M000100Y43')).toBe(true);
    expect(isValidUscc('91350100M000100Y44')).toBe(false);
  });

  it('generates codes that pass the format and the check', () => {
    const r = new Rng(5);
    for (let i = 0; i < 1000; i++) {
      const code = makeUscc(r, '330106');
      expect(code).toMatch(/^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/);
      expect(isValidUscc(code)).toBe(true);
      expect(orgCodeCheckChar(code.slice(8, 16))).toBe(code[16]);
    }
  });
});

describe('calendar', () => {
  it('round-trips dates and knows weekdays and holidays', () => {
    expect(formatDay(parseDay('2024-02-29'))).toBe('2024-02-29');
    expect(() => parseDay('2023-02-29')).toThrow();
    expect(weekday(parseDay('2025-01-01'))).toBe(3);
    expect(isBusinessDay(parseDay('2025-10-03'))).toBe(false); // National Day
    expect(isBusinessDay(parseDay('2025-01-29'))).toBe(false); // Spring Festival
    expect(formatDay(nextBusinessDay(parseDay('2025-09-27')))).toBe('2025-09-29');
    expect(formatDay(prevBusinessDay(parseDay('2025-10-05')))).toBe('2025-09-30');
  });
});

import { describe, expect, it } from 'vitest';
import { dice, looksPersonal, nameKeys, normalizeAccount } from './normalize';

describe('company name normalisation', () => {
  it('strips legal forms and unifies full-width brackets', () => {
    expect(nameKeys('上海华信贸易有限公司')?.full).toBe('上海华信贸易');
    expect(nameKeys('上海华信贸易股份有限公司')?.full).toBe('上海华信贸易');
    expect(nameKeys('上海华信贸易有限责任公司')?.full).toBe('上海华信贸易');
    expect(nameKeys('华信集团有限公司')?.full).toBe('华信');
  });
  it('moves the city: 华信贸易（上海）有限公司 ≈ 上海华信贸易有限公司', () => {
    const a = nameKeys('华信贸易（上海）有限公司')!;
    const b = nameKeys('上海华信贸易有限公司')!;
    const c = nameKeys('华信贸易(上海)有限公司')!;
    const d = nameKeys('上海市华信贸易有限公司')!;
    expect(a.canonical).toBe('上海|华信贸易');
    expect(b.canonical).toBe(a.canonical);
    expect(c.canonical).toBe(a.canonical);
    expect(d.canonical).toBe(a.canonical);
    expect(nameKeys('北京华信贸易有限公司')!.canonical).not.toBe(a.canonical);
  });
  it('normalises English names', () => {
    const a = nameKeys('Huaxin Trading (Shanghai) Co., Ltd.')!;
    const b = nameKeys('HUAXIN TRADING SHANGHAI CO LTD')!;
    expect(a.canonical).toBe('shanghai|huaxintrading');
    expect(b.canonical).toBe(a.canonical);
    expect(nameKeys('Northwind Components Limited')!.full).toBe(nameKeys('NORTHWIND COMPONENTS LTD.')!.full);
  });
  it('accounts compare on digits', () => {
    expect(normalizeAccount('6222 0210-0111 2222 333')).toBe('62220210011122223 33'.replace(' ', ''));
    expect(normalizeAccount('')).toBeNull();
  });
  it('similarity and private persons', () => {
    expect(dice('上海华信贸易', '上海华信贸易')).toBe(1);
    expect(dice('上海华信贸易', '上海华新贸易')).toBeGreaterThan(0.5);
    expect(looksPersonal('张伟')).toBe(true);
    expect(looksPersonal('华信贸易有限公司')).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CURRENCY_SCALES,
  convert,
  displayAmount,
  formatAmount,
  isKnownCurrency,
  MoneyError,
  maxBig,
  minBig,
  parseAmount,
  scaleOf,
  splitByPercents,
  splitByWeights,
  sum,
} from './money';

const CURRENCIES = Object.keys(CURRENCY_SCALES);
const abs = (n: bigint) => (n < 0n ? -n : n);

function moneyErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof MoneyError) return err.code;
    throw err;
  }
  throw new Error('expected a MoneyError');
}

describe('currencies', () => {
  it.each([
    ['CNY', 2],
    ['USD', 2],
    ['JPY', 0],
    ['KWD', 3],
  ])('%s has %i decimal places', (currency, scale) => {
    expect(scaleOf(currency)).toBe(scale);
    expect(isKnownCurrency(currency)).toBe(true);
  });

  it('an unknown currency is refused, not guessed', () => {
    expect(isKnownCurrency('XYZ')).toBe(false);
    expect(moneyErrorCode(() => scaleOf('XYZ'))).toBe('unknown_currency');
    expect(moneyErrorCode(() => parseAmount('1.00', 'cny'))).toBe('unknown_currency');
  });
});

describe('parseAmount: what a user types → minor units (分)', () => {
  it.each([
    // typed text,   currency, minor units
    ['1234.5', 'CNY', 123450n],
    ['1234.50', 'CNY', 123450n],
    ['0.01', 'CNY', 1n],
    ['-0.01', 'CNY', -1n],
    ['12.500', 'CNY', 1250n], // trailing zeros beyond the scale are harmless
    ['007', 'CNY', 700n],
    ['10000000000000.00', 'CNY', 1000000000000000n], // ¥10 trillion stays exact
    ['1000', 'JPY', 1000n],
    ['1.0', 'JPY', 1n],
    ['1.234', 'KWD', 1234n],
  ])('"%s" %s = %s minor units', (text, currency, minor) => {
    expect(parseAmount(text, currency)).toBe(minor);
  });

  it.each([
    // rejected text, currency, reason
    ['12.345', 'CNY', 'too_many_decimals'], // no silent rounding of money
    ['1.5', 'JPY', 'too_many_decimals'],
    ['0.0001', 'KWD', 'too_many_decimals'],
    ['1,000.00', 'CNY', 'invalid_amount'], // thousands separators
    ['1e3', 'CNY', 'invalid_amount'], // exponents
    [' 1', 'CNY', 'invalid_amount'],
    ['1 ', 'CNY', 'invalid_amount'],
    ['', 'CNY', 'invalid_amount'],
    ['.5', 'CNY', 'invalid_amount'],
    ['5.', 'CNY', 'invalid_amount'],
    ['+5', 'CNY', 'invalid_amount'],
    ['¥5', 'CNY', 'invalid_amount'],
    ['五', 'CNY', 'invalid_amount'],
    ['１２', 'CNY', 'invalid_amount'], // full-width digits
  ])('"%s" %s is rejected: %s', (text, currency, code) => {
    expect(moneyErrorCode(() => parseAmount(text, currency))).toBe(code);
  });
});

describe('formatAmount / displayAmount: minor units → text', () => {
  it.each([
    [123450n, 'CNY', '1234.50', '¥1,234.50'],
    [5n, 'CNY', '0.05', '¥0.05'],
    [-5n, 'CNY', '-0.05', '-¥0.05'],
    [0n, 'CNY', '0.00', '¥0.00'],
    [123456789n, 'CNY', '1234567.89', '¥1,234,567.89'],
    [-100000n, 'USD', '-1000.00', '-$1,000.00'],
    [1234567n, 'JPY', '1234567', '¥1,234,567'],
    [1n, 'KWD', '0.001', 'KWD 0.001'],
    [99999n, 'HKD', '999.99', 'HK$999.99'],
  ])('%s %s → "%s" / "%s"', (minor, currency, plain, display) => {
    expect(formatAmount(minor, currency)).toBe(plain);
    expect(displayAmount(minor, currency)).toBe(display);
  });
});

describe('parseAmount ⇄ formatAmount round trip, every currency', () => {
  /** Decimal text with at most `scale` decimals, plus its canonical form. */
  const decimalText = (scale: number) =>
    fc
      .record({
        negative: fc.boolean(),
        whole: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 16 }),
        frac: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: scale }),
        withPoint: fc.boolean(),
      })
      .map(({ negative, whole, frac, withPoint }) => {
        const text = `${negative ? '-' : ''}${whole}${frac || withPoint ? `.${frac || '0'}` : ''}`;
        const wholeCanon = whole.replace(/^0+(?=\d)/, '');
        const fracCanon = frac.padEnd(scale, '0');
        const isZero = /^0+$/.test(wholeCanon + fracCanon);
        const canonical = `${negative && !isZero ? '-' : ''}${wholeCanon}${scale > 0 ? `.${fracCanon}` : ''}`;
        return { text, canonical };
      });

  for (const currency of CURRENCIES) {
    const scale = CURRENCY_SCALES[currency]!;
    it(`${currency} (scale ${scale}): minor units survive format → parse`, () => {
      fc.assert(
        fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (minor) => {
          expect(parseAmount(formatAmount(minor, currency), currency)).toBe(minor);
        }),
      );
    });
    it(`${currency} (scale ${scale}): text survives parse → format in canonical form`, () => {
      fc.assert(
        fc.property(decimalText(scale), ({ text, canonical }) => {
          expect(formatAmount(parseAmount(text, currency), currency)).toBe(canonical);
        }),
      );
    });
    if (scale < 3) {
      it(`${currency}: one decimal more than the scale is always refused`, () => {
        fc.assert(
          fc.property(fc.nat(1_000_000), fc.integer({ min: 1, max: 9 }), (whole, lastDigit) => {
            const text = `${whole}.${'0'.repeat(scale)}${lastDigit}`;
            expect(moneyErrorCode(() => parseAmount(text, currency))).toBe('too_many_decimals');
          }),
        );
      });
    }
  }
});

describe('splitByWeights: parts always add up to the total', () => {
  it.each([
    // total, weights, parts — the rounding remainder goes to the largest fractional parts
    [10000n, [1n, 1n, 1n], [3334n, 3333n, 3333n]],
    [5n, [1n, 1n], [3n, 2n]],
    [-10000n, [1n, 1n, 1n], [-3334n, -3333n, -3333n]],
    [100n, [0n, 1n], [0n, 100n]],
    [100n, [2n, 1n], [67n, 33n]],
    [1n, [1n, 1n, 1n], [1n, 0n, 0n]], // ties go to the earlier part
    [0n, [3n, 7n], [0n, 0n]],
  ])('%s split by %s = %s', (total, weights, parts) => {
    expect(splitByWeights(total, weights)).toEqual(parts);
  });

  it.each([
    ['no weights', []],
    ['all weights zero', [0n, 0n]],
    ['a negative weight', [2n, -1n]],
  ])('refuses %s', (_what, weights) => {
    expect(() => splitByWeights(100n, weights)).toThrow();
  });

  const weights = fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 12 }).filter((ws) => sum(ws) > 0n);

  it('property: Σ parts = total and every part is within 1 minor unit of its exact share', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), weights, (total, ws) => {
        const parts = splitByWeights(total, ws);
        const sumW = sum(ws);
        expect(parts).toHaveLength(ws.length);
        expect(sum(parts)).toBe(total);
        for (const [i, p] of parts.entries()) {
          // |p − total·w/Σw| < 1  ⇔  |p·Σw − total·w| < Σw
          expect(abs(p * sumW - total * ws[i]!) < sumW).toBe(true);
          // same sign as the total (or zero), zero weight gets exactly zero
          expect(p === 0n || (p < 0n) === (total < 0n)).toBe(true);
          if (ws[i] === 0n) expect(p).toBe(0n);
        }
      }),
    );
  });
});

describe('splitByPercents', () => {
  it.each([
    ['预付30% / 到货60% / 质保10%', 10000000n, ['30', '60', '10'], [3000000n, 6000000n, 1000000n]],
    ['三等分 33.33 / 33.33 / 33.34', 10001n, ['33.33', '33.33', '33.34'], [3333n, 3333n, 3335n]],
    ['fine percentages 12.345678', 100000000n, ['12.345678', '87.654322'], [12345678n, 87654322n]],
  ])('%s', (_label, total, percents, parts) => {
    expect(splitByPercents(total, percents)).toEqual(parts);
  });

  it.each([
    ['-10', 'invalid_amount'],
    ['1e1', 'invalid_amount'],
    ['ten', 'invalid_amount'],
    ['10.1234567', 'too_many_decimals'],
  ])('refuses percentage "%s": %s', (p, code) => {
    expect(moneyErrorCode(() => splitByPercents(100n, [p, '50']))).toBe(code);
  });

  const percent = fc
    .tuple(fc.nat(100), fc.nat(999_999))
    .map(([w, f]) => `${w}.${f.toString().padStart(6, '0')}`)
    .filter((p) => p !== '0.000000');

  it('property: Σ parts = total and each part is within 1 minor unit of its exact share', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 14n }), fc.array(percent, { minLength: 1, maxLength: 8 }), (total, ps) => {
        const parts = splitByPercents(total, ps);
        expect(sum(parts)).toBe(total);
        const ws = ps.map((p) => BigInt(p.replace('.', '')));
        const sumW = sum(ws);
        for (const [i, part] of parts.entries()) expect(abs(part * sumW - total * ws[i]!) < sumW).toBe(true);
      }),
    );
  });
});

describe('convert: FX conversion rounds half away from zero', () => {
  it.each([
    // amount, from, to, rate, result
    [10000n, 'USD', 'CNY', '7.1234', 71234n], // $100.00 → ¥712.34
    [100n, 'USD', 'CNY', '7.12345', 712n], // 7.12345 → ¥7.12 (below half)
    [100n, 'USD', 'CNY', '7.125', 713n], // ¥7.125 → ¥7.13 (half, up)
    [-100n, 'USD', 'CNY', '7.125', -713n], // −¥7.125 → −¥7.13 (half, away from zero)
    [1000n, 'JPY', 'CNY', '0.0487', 4870n], // ¥1000 JPY → ¥48.70 CNY
    [100n, 'CNY', 'JPY', '20.5', 21n], // ¥1.00 CNY → 20.5 JPY → 21 JPY
    [-100n, 'CNY', 'JPY', '20.5', -21n],
    [100n, 'CNY', 'JPY', '20.4999', 20n],
    [1000n, 'KWD', 'CNY', '23.4567', 2346n], // 1.000 KWD → ¥23.4567 → ¥23.46
    [12345n, 'CNY', 'CNY', '1', 12345n],
    [12345n, 'CNY', 'CNY', '0', 0n],
  ])('%s %s → %s at %s = %s', (minor, from, to, rate, expected) => {
    expect(convert(minor, from, to, rate)).toBe(expected);
  });

  it.each(['-7.1', '7,1', '1e2', ''])('refuses rate "%s"', (rate) => {
    expect(moneyErrorCode(() => convert(100n, 'USD', 'CNY', rate))).toBe('invalid_amount');
  });

  it('property: |result − exact| ≤ ½ minor unit, exact halves go away from zero', () => {
    const rate = fc
      .tuple(fc.nat(100_000), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 10 }))
      .map(([i, f]) => (f ? `${i}.${f}` : `${i}`));
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.constantFrom(...CURRENCIES),
        fc.constantFrom(...CURRENCIES),
        rate,
        (minor, from, to, r) => {
          const q = convert(minor, from, to, r);
          // exact = minor · rate · 10^(scaleTo − scaleFrom), as num/den
          const [ri, rf = ''] = r.split('.');
          let num = minor * BigInt(ri! + rf);
          let den = 10n ** BigInt(rf.length);
          const shift = scaleOf(to) - scaleOf(from);
          if (shift >= 0) num *= 10n ** BigInt(shift);
          else den *= 10n ** BigInt(-shift);
          const diff = q * den - num; // (result − exact)·den
          expect(2n * abs(diff) <= den).toBe(true);
          if (2n * abs(diff) === den) expect(diff > 0n).toBe(num > 0n);
          // symmetric: −x converts to −convert(x)
          expect(convert(-minor, from, to, r)).toBe(-q);
        },
      ),
    );
  });
});

describe('small helpers', () => {
  it('sum / minBig / maxBig', () => {
    expect(sum([])).toBe(0n);
    expect(sum([1n, -2n, 10n ** 30n])).toBe(10n ** 30n - 1n);
    expect(minBig(-1n, 1n)).toBe(-1n);
    expect(maxBig(-1n, 1n)).toBe(1n);
  });
});

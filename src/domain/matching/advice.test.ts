import { describe, expect, it } from 'vitest';
import { allocateAdvice } from './advice';
import { Matcher } from './engine';
import { ITEMS, line, PARTIES } from './fixtures.test-helpers';
import { MatchMemory } from './memory';
import { RefIndex } from './references';

const idx = new RefIndex(ITEMS);
const open = (it: { openMinor: bigint }) => it.openMinor;

describe('remittance advice', () => {
  it('drives the allocation line by line', () => {
    const r = allocateAdvice(
      1_250_000n + 480_000n,
      {
        lines: [
          { invoiceNumber: 'INV25-000123', amountMinor: 1_000_000n },
          { invoiceNumber: '25000124', amountMinor: 250_000n },
          { invoiceNumber: 'INV25-000200', amountMinor: 480_000n },
        ],
      },
      idx,
      open,
      5000n,
    );
    expect(r.allocations.map((a) => a.amountMinor)).toEqual([1_000_000n, 250_000n, 480_000n]);
    expect(r.onAccountMinor).toBe(0n);
    expect(r.unresolved).toEqual([]);
  });
  it('unknown invoices and the excess stay on account; a fee shortfall becomes an adjustment', () => {
    const r = allocateAdvice(
      250_000n + 9_000n - 1500n,
      {
        lines: [
          { invoiceNumber: 'INV25-000124', amountMinor: 250_000n },
          { invoiceNumber: 'NOPE-1', amountMinor: 9_000n },
        ],
      },
      idx,
      open,
      5000n,
    );
    expect(r.unresolved).toEqual(['NOPE-1']);
    expect(r.onAccountMinor).toBe(7_500n);
    expect(r.allocations).toEqual([{ installmentId: ITEMS[1]!.installmentId, amountMinor: 250_000n }]);
  });
  it('a head office lump sum with an advice, in the engine', () => {
    const m = new Matcher(ITEMS, PARTIES, new MatchMemory());
    const [p] = m.matchLine(
      line({
        amountMinor: 1_480_000n,
        payerName: '华信集团有限公司',
        payerAccount: '3100-1234-567890',
        remittance: '付款通知 RA-1',
        advice: {
          reference: 'RA-1',
          lines: [
            { invoiceNumber: 'INV25-000123', amountMinor: 1_000_000n },
            { invoiceNumber: 'INV25-000200', amountMinor: 480_000n },
          ],
        },
      }),
    );
    expect(p).toMatchObject({ kind: 'remittance_advice', partyId: 'GRP', auto: true });
    expect(p!.reasons.map((r) => r.code)).toContain('payer.parent');
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type DemoData, generateDemo } from './generate';
import { isValidUscc } from './names';

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
const digest = (d: DemoData) => createHash('sha256').update(json(d)).digest('hex');
const dayNo = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

describe('generateDemo', () => {
  it('gives the same data for the same seed and today, other data for another seed', () => {
    const opts = { customers: 30, suppliers: 8, invoices: 600, seed: 11, today: '2025-06-30' };
    const a = generateDemo(opts);
    expect(digest(generateDemo(opts))).toBe(digest(a));
    expect(digest(generateDemo({ ...opts, seed: 12 }))).not.toBe(digest(a));
  });

  it('builds the default company with consistent amounts and a believable aging', () => {
    const today = '2026-11-22';
    const d = generateDemo({ customers: 240, suppliers: 36, invoices: 20000, seed: 20250101, today });
    const ar = d.invoices.filter((i) => i.side === 'AR' && i.kind === 'invoice');
    const credit = d.invoices.filter((i) => i.kind === 'credit_note');
    expect(ar).toHaveLength(20000);
    expect(d.parties.filter((p) => p.is_customer)).toHaveLength(240);
    expect(d.parties.filter((p) => p.is_supplier)).toHaveLength(36);
    expect(d.parties.filter((p) => p.is_customer && p.is_supplier).length).toBeGreaterThan(0);
    expect(d.parties.filter((p) => p.parent_id !== null).length).toBeGreaterThanOrEqual(10);
    expect(credit.length / ar.length).toBeGreaterThan(0.01);
    expect(credit.length / ar.length).toBeLessThan(0.03);
    const usd = ar.filter((i) => i.currency === 'USD').length / ar.length;
    expect(usd).toBeGreaterThan(0.01);
    expect(usd).toBeLessThan(0.08);
    expect(d.contracts.length).toBeGreaterThanOrEqual(200);
    expect(d.contracts.some((c) => c.current_version === 2)).toBe(true);

    // Unique numbers, valid codes.
    expect(new Set(d.invoices.map((i) => `${i.entity_id}/${i.side}/${i.number}`)).size).toBe(d.invoices.length);
    expect(new Set(d.receipts.map((r) => r.bank_reference)).size).toBe(d.receipts.length);
    expect(new Set(d.parties.map((p) => p.name)).size).toBe(d.parties.length);
    expect(d.parties.filter((p) => p.uscc !== null && !isValidUscc(p.uscc))).toEqual([]);
    expect(d.invoices.filter((i) => i.einvoice_number !== null && !/^\d{20}$/.test(i.einvoice_number))).toEqual([]);
    expect(new Set(d.invoices.map((i) => i.einvoice_number).filter(Boolean)).size).toBe(
      d.invoices.filter((i) => i.einvoice_number).length,
    );

    // Lines and installments add up exactly.
    const lines = new Map<string, { a: bigint; t: bigint }>();
    for (const l of d.lines) {
      const s = lines.get(l.invoice_id) ?? { a: 0n, t: 0n };
      s.a += l.amount_minor;
      s.t += l.tax_minor;
      lines.set(l.invoice_id, s);
    }
    const inst = new Map<string, bigint>();
    for (const n of d.installments) inst.set(n.invoice_id, (inst.get(n.invoice_id) ?? 0n) + n.amount_minor);
    const wrong = d.invoices.filter((i) => {
      const l = lines.get(i.id);
      return (
        !l ||
        l.a !== i.subtotal_minor ||
        l.t !== i.tax_minor ||
        i.total_minor !== i.subtotal_minor + i.tax_minor ||
        inst.get(i.id) !== i.total_minor
      );
    });
    expect(wrong.map((i) => i.number)).toEqual([]);

    // Allocations never exceed an installment or a receipt.
    const byInst = new Map<string, bigint>();
    const byRec = new Map<string, bigint>();
    expect(d.allocations.filter((a) => a.amount_minor !== a.source_amount_minor || a.effective_date > today)).toEqual([]);
    for (const a of d.allocations) {
      byInst.set(a.target_installment_id, (byInst.get(a.target_installment_id) ?? 0n) + a.amount_minor);
      if (a.source_installment_id) byInst.set(a.source_installment_id, (byInst.get(a.source_installment_id) ?? 0n) + a.amount_minor);
      if (a.source_receipt_id) byRec.set(a.source_receipt_id, (byRec.get(a.source_receipt_id) ?? 0n) + a.amount_minor);
    }
    expect(d.installments.filter((n) => (byInst.get(n.id) ?? 0n) > n.amount_minor)).toEqual([]);
    expect(d.receipts.filter((r) => (byRec.get(r.id) ?? 0n) > r.amount_minor)).toEqual([]);

    // Aging of open AR installments (amounts in CNY, USD at ~7.2).
    const invById = new Map(d.invoices.map((i) => [i.id, i]));
    const buckets = { current: 0n, d30: 0n, d60: 0n, d90: 0n, d180: 0n, d365: 0n, older: 0n };
    let open = 0n;
    for (const n of d.installments) {
      const inv = invById.get(n.invoice_id)!;
      if (inv.side !== 'AR' || inv.kind !== 'invoice') continue;
      const left = ((n.amount_minor - (byInst.get(n.id) ?? 0n)) * (inv.currency === 'USD' ? 72n : 10n)) / 10n;
      if (left === 0n) continue;
      open += left;
      const od = dayNo(today) - dayNo(n.due_date);
      const key = od <= 0 ? 'current' : od <= 30 ? 'd30' : od <= 60 ? 'd60' : od <= 90 ? 'd90' : od <= 180 ? 'd180' : od <= 365 ? 'd365' : 'older';
      buckets[key] += left;
    }
    expect((buckets.current + buckets.d30) * 2n > open).toBe(true);
    expect(buckets.current > buckets.d30).toBe(true);
    for (const k of ['d60', 'd90', 'd180', 'd365', 'older'] as const) expect(buckets[k] > 0n, k).toBe(true);

    // Cash application leftovers that a demo should show.
    expect(d.receipts.some((r) => r.party_id === null)).toBe(true);
    expect(d.receipts.some((r) => r.side === 'AR' && r.party_id !== null && !byRec.has(r.id))).toBe(true);
    expect(d.allocations.some((a) => a.adjustment_kind === 'bank_fee')).toBe(true);
    expect(d.allocations.some((a) => a.adjustment_kind === 'small_difference')).toBe(true);
    expect(d.disputes.some((x) => x.resolved_on === null)).toBe(true);

    // Nothing after today.
    expect(d.invoices.filter((i) => i.issue_date > today)).toEqual([]);
    expect(d.receipts.filter((r) => r.receipt_date > today)).toEqual([]);
    expect(d.fxRates.filter((r) => r.rate_date > today || Number(r.rate) < 7.1 || Number(r.rate) > 7.3)).toEqual([]);
    expect(d.fxRates.length).toBeGreaterThan(400);
  }, 60_000);
});

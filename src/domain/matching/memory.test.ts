import { describe, expect, it } from 'vitest';
import { Matcher } from './engine';
import { ITEMS, line, PARTIES } from './fixtures.test-helpers';
import { MatchMemory } from './memory';

describe('memory', () => {
  it('a payer never seen is unidentified; after one confirmation it is identified next time', () => {
    const memory = new MatchMemory();
    const payer = { payerName: '李建国', payerAccount: '6217 0000 1111 2222' };
    const first = new Matcher(ITEMS, PARTIES, memory).matchLine(line({ amountMinor: 333_300n, ...payer }));
    expect(first[0]!.auto).toBe(false);
    expect(first[0]!.partyId).toBeNull();
    memory.add({ kind: 'confirmed', ...payer, partyId: 'HX' });
    const next = new Matcher(ITEMS, PARTIES, memory).matchLine(line({ amountMinor: 333_300n, ...payer }));
    expect(next[0]).toMatchObject({ partyId: 'HX', kind: 'exact', auto: true });
    expect(next[0]!.reasons[0]!.code).toBe('payer.memory_account');
  });
  it('a rejected pair is not proposed again', () => {
    const memory = new MatchMemory();
    const l = { payerName: '上海华信贸易有限公司', payerAccount: null };
    const before = new Matcher(ITEMS, PARTIES, memory).matchLine(line({ amountMinor: 250_000n, ...l }));
    expect(before[0]!.partyId).toBe('HX');
    memory.add({ kind: 'rejected', ...l, partyId: 'HX' });
    const after = new Matcher(ITEMS, PARTIES, memory).matchLine(line({ amountMinor: 250_000n, ...l }));
    expect(after.some((p) => p.partyId === 'HX')).toBe(false);
  });
  it('rejected installments are not proposed again for that payer', () => {
    const memory = new MatchMemory();
    const l = { payerName: '上海华信贸易有限公司', payerAccount: null };
    memory.add({ kind: 'rejected', ...l, partyId: 'HX', installmentIds: [ITEMS[1]!.installmentId] });
    const ps = new Matcher(ITEMS, PARTIES, memory).matchLine(line({ amountMinor: 250_000n, ...l }));
    expect(ps.some((p) => p.allocations.some((a) => a.installmentId === ITEMS[1]!.installmentId))).toBe(false);
  });
  it('serialises', () => {
    const m = new MatchMemory();
    m.add({ kind: 'manual', payerName: '张伟', payerAccount: '6222 1', partyId: 'RF' });
    m.add({ kind: 'rejected', payerName: '张伟', payerAccount: null, partyId: 'HX' });
    const copy = MatchMemory.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.partyForAccount('62221')?.partyId).toBe('RF');
    expect(copy.partyForName('张伟')?.partyId).toBe('RF');
    expect(copy.isPartyRejected({ payerName: '张伟', payerAccount: null }, 'HX')).toBe(true);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates';
import {
  applicableLevel,
  assignPolicy,
  type CustomerFacts,
  DEFAULT_CAP,
  DEFAULT_LEVELS,
  type DunningPolicy,
  evaluateCustomer,
  nextAllowedContact,
  type OpenItem,
  totalsByCurrency,
} from './policy';

const policy = (over: Partial<DunningPolicy> = {}): DunningPolicy => ({
  id: 'p',
  code: 'default',
  name: '默认',
  priority: 1000,
  active: true,
  match: { regions: null, industries: null, riskGrades: null, minOpenMinor: null, currency: 'CNY' },
  cap: { maxContacts: 0, windowDays: 0, minGapDays: 0 },
  levels: [...DEFAULT_LEVELS],
  ...over,
});

const customer = (over: Partial<CustomerFacts> = {}): CustomerFacts => ({
  partyId: 'c1',
  region: '华东',
  industry: '制造业',
  riskGrade: null,
  doNotContact: false,
  openByCurrency: new Map([['CNY', 100_000n]]),
  ...over,
});

let n = 0;
const item = (dueDate: string, over: Partial<OpenItem> = {}): OpenItem => ({
  installmentId: `i${++n}`,
  invoiceId: `inv${n}`,
  invoiceNumber: `INV-${String(n).padStart(4, '0')}`,
  seq: 1,
  dueDate,
  currency: 'CNY',
  openMinor: 100_00n,
  disputed: false,
  promisedUntil: null,
  doneOffset: null,
  ...over,
});

const NONE = { contactDates: [] };
const ASOF = '2026-03-10';

describe('applicable level', () => {
  it('picks the highest level reached, at exact boundaries', () => {
    const at = (days: number) => applicableLevel(DEFAULT_LEVELS, addDays(ASOF, -days), ASOF)?.code ?? null;
    expect(at(-8)).toBeNull();
    expect(at(-7)).toBe('reminder');
    expect(at(0)).toBe('reminder'); // due today: still the friendly reminder
    expect(at(1)).toBe('notice');
    expect(at(14)).toBe('notice');
    expect(at(15)).toBe('second_notice');
    expect(at(29)).toBe('second_notice');
    expect(at(30)).toBe('escalation');
    expect(at(60)).toBe('demand_letter');
    expect(at(89)).toBe('demand_letter');
    expect(at(90)).toBe('legal');
    expect(at(1000)).toBe('legal');
  });
});

describe('evaluateCustomer', () => {
  it('acts on a customer’s items together: one contact at the highest pending level listing all of them', () => {
    const items = [item('2026-03-09'), item('2026-02-01'), item('2026-03-15'), item('2026-04-30')];
    const d = evaluateCustomer(policy(), customer(), items, NONE, ASOF);
    expect(d.kind).toBe('contact');
    if (d.kind !== 'contact') return;
    expect(d.level.code).toBe('escalation'); // 2026-02-01 is 37 days overdue
    expect(d.items.map((i) => i.dueDate)).toEqual(['2026-02-01', '2026-03-09', '2026-03-15']); // 04-30 is not yet in reach
  });

  it('computes the level of each item and the contact level from the highest', () => {
    const items = [item('2026-03-09'), item('2026-02-25'), item('2026-03-15'), item('2026-04-30')];
    const d = evaluateCustomer(policy(), customer(), items, NONE, ASOF);
    if (d.kind !== 'contact') throw new Error(d.kind);
    expect(d.level.code).toBe('notice');
    expect(d.items.map((i) => [i.dueDate, i.levelCode, i.daysOverdue])).toEqual([
      ['2026-02-25', 'notice', 13],
      ['2026-03-09', 'notice', 1],
      ['2026-03-15', 'reminder', -5],
    ]);
  });

  it('does not repeat a level an item has had, and catches up a missed day with the highest level only', () => {
    const due = '2026-02-20';
    // Told at +1; a run on +18 owes the second notice (+15), not the notice again.
    let d = evaluateCustomer(policy(), customer(), [item(due, { doneOffset: 1 })], NONE, '2026-03-10');
    expect(d.kind === 'contact' && d.level.code).toBe('second_notice');
    // Already told at +15: nothing until +30.
    d = evaluateCustomer(policy(), customer(), [item(due, { doneOffset: 15 })], NONE, '2026-03-10');
    expect(d.kind).toBe('none');
    // Never told, run only on +40: the +30 level (lower ones are superseded, not sent one after another).
    d = evaluateCustomer(policy(), customer(), [item(due)], NONE, addDays(due, 40));
    expect(d.kind === 'contact' && d.level.code).toBe('escalation');
  });

  it('pauses disputed items and items under a promise not yet due; do-not-contact holds everything', () => {
    const disputed = item('2026-02-01', { disputed: true });
    const promised = item('2026-02-02', { promisedUntil: '2026-03-12' });
    const promiseLapsed = item('2026-02-03', { promisedUntil: '2026-03-09' });
    const d = evaluateCustomer(policy(), customer(), [disputed, promised, promiseLapsed], NONE, ASOF);
    if (d.kind !== 'contact') throw new Error(d.kind);
    expect(d.items.map((i) => i.installmentId)).toEqual([promiseLapsed.installmentId]);
    expect(d.paused).toEqual([
      { installmentId: disputed.installmentId, reason: 'disputed' },
      { installmentId: promised.installmentId, reason: 'promised' },
    ]);
    // The promise's own date still pauses (inclusive).
    expect(evaluateCustomer(policy(), customer(), [promised], NONE, '2026-03-12').kind).toBe('none');
    expect(evaluateCustomer(policy(), customer({ doNotContact: true }), [promiseLapsed], NONE, ASOF)).toEqual({ kind: 'do_not_contact', pendingItems: 1 });
  });

  it('respects the frequency cap and keeps capped items pending for the next allowed day', () => {
    const p = policy({ cap: DEFAULT_CAP });
    const d = evaluateCustomer(p, customer(), [item('2026-03-05')], { contactDates: ['2026-03-09'] }, ASOF);
    expect(d).toMatchObject({ kind: 'capped', until: '2026-03-11' });
    const d2 = evaluateCustomer(p, customer(), [item('2026-03-05')], { contactDates: ['2026-03-04', '2026-03-06'] }, ASOF);
    expect(d2).toMatchObject({ kind: 'capped', until: '2026-03-11' }); // 2 in 7 days: the older drops out on 03-11
  });
});

describe('caps (property)', () => {
  it('never allows more than maxContacts in any window nor two contacts closer than minGapDays', () => {
    fc.assert(
      fc.property(
        fc.record({ maxContacts: fc.integer({ min: 1, max: 4 }), windowDays: fc.integer({ min: 1, max: 14 }), minGapDays: fc.integer({ min: 0, max: 5 }) }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
        (cap, wishes) => {
          // A customer who would be contacted on every wished day: simulate the planner.
          const contacts: string[] = [];
          for (const w of [...new Set(wishes)].sort((a, b) => a - b)) {
            const day = addDays('2026-01-01', w);
            if (nextAllowedContact(cap, { contactDates: contacts }, day) === day) contacts.push(day);
          }
          for (let i = 0; i < contacts.length; i++) {
            const inWindow = contacts.filter((c) => c >= contacts[i]! && c < addDays(contacts[i]!, cap.windowDays));
            expect(inWindow.length).toBeLessThanOrEqual(cap.maxContacts);
            if (i > 0 && cap.minGapDays > 0) expect(contacts[i]! >= addDays(contacts[i - 1]!, cap.minGapDays)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('runs on any days (property)', () => {
  it('each item gets each level it reaches at most once, the last level it reached always, paused items never', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ due: fc.integer({ min: 0, max: 120 }), disputed: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 130, maxLength: 130 }),
        (specs, runs) => {
          const start = '2026-01-01';
          const items = specs.map((s) => item(addDays(start, s.due), { disputed: s.disputed }));
          const told = new Map<string, number[]>();
          const last = addDays(start, 129);
          // The scheduler runs on the days runs[] says (missed days in between), and always on the last.
          for (let day = 0; day < 130; day++) {
            if (!runs[day] && day !== 129) continue;
            const asOf = addDays(start, day);
            const d = evaluateCustomer(policy(), customer(), items, NONE, asOf);
            if (d.kind !== 'contact') continue;
            for (const p of d.items) {
              const it = items.find((x) => x.installmentId === p.installmentId)!;
              expect(it.disputed).toBe(false);
              const list = told.get(it.installmentId) ?? [];
              expect(list).not.toContain(p.levelOffset);
              list.push(p.levelOffset);
              told.set(it.installmentId, list);
              it.doneOffset = p.levelOffset;
            }
          }
          for (const it of items) {
            const reached = applicableLevel(DEFAULT_LEVELS, it.dueDate, last);
            const got = told.get(it.installmentId) ?? [];
            if (it.disputed || !reached) expect(got).toEqual([]);
            else expect(Math.max(...got)).toBe(reached.offsetDays); // caught up, never skipped
            expect([...got].sort((a, b) => a - b)).toEqual(got); // only ever escalates
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('assignment', () => {
  it('takes the first active matching policy by priority (region, industry, amount, risk grade)', () => {
    const vip = policy({ id: 'vip', code: 'vip', priority: 10, match: { regions: null, industries: null, riskGrades: null, minOpenMinor: 1_000_000_00n, currency: 'CNY' } });
    const east = policy({ id: 'east', code: 'east', priority: 20, match: { regions: ['华东'], industries: ['制造业'], riskGrades: null, minOpenMinor: null, currency: 'CNY' } });
    const risky = policy({ id: 'risky', code: 'risky', priority: 5, match: { regions: null, industries: null, riskGrades: ['D', 'E'], minOpenMinor: null, currency: 'CNY' } });
    const off = policy({ id: 'off', code: 'off', priority: 1, active: false });
    const all = [policy(), vip, east, risky, off];
    expect(assignPolicy(all, customer())?.id).toBe('east');
    expect(assignPolicy(all, customer({ region: '华北' }))?.id).toBe('p');
    expect(assignPolicy(all, customer({ openByCurrency: new Map([['CNY', 2_000_000_00n]]) }))?.id).toBe('vip');
    expect(assignPolicy(all, customer({ riskGrade: 'E' }))?.id).toBe('risky');
    expect(assignPolicy([off], customer())).toBeNull();
  });
});

describe('totals', () => {
  it('sums exactly per currency', () => {
    expect(totalsByCurrency([{ currency: 'USD', openMinor: 1n }, { currency: 'CNY', openMinor: 10n }, { currency: 'CNY', openMinor: 5n }])).toEqual([
      { currency: 'CNY', minor: 15n },
      { currency: 'USD', minor: 1n },
    ]);
  });
});

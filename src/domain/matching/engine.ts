/**
 * The matching engine: bank lines in, ranked proposals out. See ./README.md.
 *
 *   const proposals = matchLines(lines, openItems, parties, memory, { autoThreshold: 0.9 });
 *   proposals.get(line.id) // best first; [0].auto says whether it clears the threshold
 *
 * Lines are processed by date (then input order); an auto-applied proposal reserves the amounts it
 * allocates, so later lines of the same run never see them as open again. Deterministic: no clock,
 * no randomness, every map iterated in a fixed order.
 */
import { formatAmount } from '../money';
import { allocateAdvice } from './advice';
import { allocateToSet, compareOldest, oldestFirst, type SetAllocation, type Slot } from './allocate';
import { DuplicateDetector } from './duplicates';
import type { MatchMemory } from './memory';
import { type PartyCandidate, PartyIndex } from './payer';
import { type InvoiceRef, RefIndex, type References } from './references';
import { classifyStranger } from './strangers';
import { prefixMatch, subsetSum } from './subset';
import { feeTolerance, matchDiscount, matchFee } from './tolerance';
import {
  type Adjustment,
  type BankLine,
  type MatchConfig,
  type OpenItem,
  type PartyProfile,
  type Proposal,
  type ProposalKind,
  type ProposedAllocation,
  type Reason,
  resolveConfig,
} from './types';

export interface MatchContext {
  /** Lines imported (and possibly applied) before; a line repeating one of them is a duplicate. */
  priorLines?: readonly BankLine[];
}

interface Cand {
  partyId: string | null;
  kind: ProposalKind;
  allocations: ProposedAllocation[];
  adjustment: Adjustment | null;
  onAccountMinor: bigint;
  confidence: number;
  reasons: Reason[];
}

const KIND_RANK: Record<ProposalKind, number> = {
  remittance_advice: 0,
  reference: 1,
  exact: 2,
  fee_short: 3,
  combination: 4,
  overpayment: 5,
  partial: 6,
  duplicate: 7,
  stranger: 8,
  unidentified: 9,
};

const HOW_FACTOR: Record<InvoiceRef['how'], number> = {
  full: 1,
  alt: 1,
  digits: 0.995,
  list: 0.99,
  range: 0.985,
  serial: 0.985,
  typo: 0.955,
  transposition: 0.96,
};

const BOOKING: ReadonlySet<ProposalKind> = new Set([
  'exact',
  'reference',
  'combination',
  'partial',
  'overpayment',
  'fee_short',
  'remittance_advice',
]);

/** Whether a proposal kind books money to a party (the others are exceptions). */
export function isBooking(kind: ProposalKind): boolean {
  return BOOKING.has(kind);
}

function r(code: string, zh: string, en: string): Reason {
  return { code, zh, en };
}

function fmt(minor: bigint, currency: string): string {
  try {
    return formatAmount(minor, currency);
  } catch {
    return minor.toString();
  }
}

/**
 * Whether remittance text names a document by an id (letters and digits, 6+ characters, such as
 * "Order TQDRAK2476" or "Transfer ref FRHUHU2773"). End-to-end ids the bank adds ("E2E …") and
 * plain words do not count.
 */
export function namesOtherDocument(remittance: string | null, known: (token: string) => boolean = () => false): boolean {
  if (!remittance) return false;
  const text = remittance.replace(/\bE2E\s+\S+/gi, ' ').replace(/\bNOTPROVIDED\b/gi, ' ');
  const ids = text.match(/(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9-]{5,}(?![A-Za-z0-9])/g) ?? [];
  return ids.some((id) => !known(id));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export class Matcher {
  readonly config: MatchConfig;
  readonly parties: PartyIndex;
  readonly refs: RefIndex;
  private readonly remainingById = new Map<string, bigint>();
  private readonly itemsByParty = new Map<string, OpenItem[]>();
  private readonly itemsByAmount = new Map<string, OpenItem[]>();
  private readonly duplicates: DuplicateDetector;

  constructor(
    items: readonly OpenItem[],
    parties: readonly PartyProfile[],
    private readonly memory: MatchMemory,
    config?: Partial<MatchConfig>,
    context?: MatchContext,
  ) {
    this.config = resolveConfig(config);
    this.parties = new PartyIndex(parties);
    const open = items.filter((i) => i.openMinor > 0n);
    this.refs = new RefIndex(open);
    for (const it of open) {
      this.remainingById.set(it.installmentId, it.openMinor);
      let arr = this.itemsByParty.get(it.partyId);
      if (!arr) {
        arr = [];
        this.itemsByParty.set(it.partyId, arr);
      }
      arr.push(it);
      const k = `${it.currency}|${it.openMinor}`;
      const a2 = this.itemsByAmount.get(k);
      if (a2) a2.push(it);
      else this.itemsByAmount.set(k, [it]);
    }
    for (const arr of this.itemsByParty.values()) arr.sort(compareOldest);
    this.duplicates = new DuplicateDetector(context?.priorLines ?? []);
  }

  /** What is still open on an installment in this run. */
  remaining(installmentId: string): bigint {
    return this.remainingById.get(installmentId) ?? 0n;
  }

  /** Marks a proposal as applied: its allocations and adjustment are no longer open. */
  reserve(p: Proposal): void {
    for (const a of p.allocations) {
      this.remainingById.set(a.installmentId, this.remaining(a.installmentId) - a.amountMinor);
    }
    if (p.adjustment) {
      const id = p.adjustment.installmentId;
      this.remainingById.set(id, this.remaining(id) - p.adjustment.amountMinor);
    }
  }

  private usable(line: BankLine, it: OpenItem): bigint {
    if (it.currency !== line.currency || (it.side && it.side !== line.side)) return 0n;
    const rem = this.remaining(it.installmentId);
    if (rem <= 0n || this.memory.isItemRejected(line, it.installmentId)) return 0n;
    return rem;
  }

  private pool(line: BankLine, partyId: string): Slot[] {
    const out: Slot[] = [];
    for (const pid of this.parties.group(partyId)) {
      for (const it of this.itemsByParty.get(pid) ?? []) {
        const rem = this.usable(line, it);
        if (rem > 0n) out.push({ item: it, remaining: rem });
      }
    }
    if (this.parties.group(partyId).length > 1) out.sort((a, b) => compareOldest(a.item, b.item));
    return out;
  }

  /** Ranked proposals for one line (best first). Does not reserve anything. */
  matchLine(line: BankLine): Proposal[] {
    const cfg = this.config;
    const dup = this.duplicates.check(line);
    this.duplicates.add(line);
    if (dup) {
      const conf = dup.how === 'reference' ? 0.99 : 0.9;
      return [
        this.finish(line, {
          partyId: null,
          kind: 'duplicate',
          allocations: [],
          adjustment: null,
          onAccountMinor: 0n,
          confidence: conf,
          reasons: [
            dup.how === 'reference'
              ? r('duplicate.reference', `与流水 ${dup.of} 银行流水号相同，疑似重复导入`, `same bank reference as line ${dup.of}: duplicate`)
              : r(
                  'duplicate.fingerprint',
                  `与流水 ${dup.of} 金额、日期、付款方、附言均相同，疑似重复`,
                  `same amount, date, payer and text as line ${dup.of}: likely duplicate`,
                ),
          ],
        }),
      ];
    }
    const stranger = classifyStranger(line);
    if (stranger?.hard) {
      return [
        this.finish(line, {
          partyId: null,
          kind: 'stranger',
          allocations: [],
          adjustment: null,
          onAccountMinor: 0n,
          confidence: 0.98,
          reasons: [r(`stranger.${stranger.kind}`, stranger.zh, stranger.en)],
        }),
      ];
    }
    const payers = this.parties.identify(line, this.memory);
    const strongPayers = payers.filter((p) => p.score >= 0.85);
    const partyOk =
      payers.length > 0
        ? (inv: string): boolean => {
            const it = this.refs.itemsByInvoice.get(inv)?.[0];
            return !!it && payers.some((p) => this.parties.covers(p.partyId, it.partyId));
          }
        : null;
    const refs = this.refs.extract(line.remittance, {
      partyOk,
      typoMinDigits: cfg.typoMinDigits,
      rangeMaxSpan: cfg.rangeMaxSpan,
    });
    const cands: Cand[] = [];
    if (line.advice && line.advice.lines.length > 0) this.adviceCandidate(line, payers, strongPayers, cands);
    if (refs.invoices.length > 0) this.referenceCandidates(line, refs, payers, strongPayers, cands);
    if (refs.contracts.length > 0) this.contractCandidates(line, refs, payers, strongPayers, cands);
    for (const p of payers) this.payerCandidates(line, p, refs, cands);
    if (payers.length === 0 && cands.length === 0 && !stranger) this.amountOnlyCandidates(line, cands);

    const merged = mergeCands(cands);
    const ranked = merged
      .filter((c) => c.partyId === null || !this.memory.isPartyRejected(line, c.partyId))
      .sort(
        (a, b) =>
          b.confidence - a.confidence ||
          KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
          candKey(a).localeCompare(candKey(b)),
      );
    const best = ranked[0]?.confidence ?? 0;
    if (stranger && best < cfg.autoThreshold) {
      ranked.unshift({
        partyId: null,
        kind: 'stranger',
        allocations: [],
        adjustment: null,
        onAccountMinor: 0n,
        confidence: clamp01(0.9 * (1 - best)),
        reasons: [r(`stranger.${stranger.kind}`, stranger.zh, stranger.en)],
      });
    } else if (best < cfg.autoThreshold) {
      ranked.push({
        partyId: null,
        kind: 'unidentified',
        allocations: [],
        adjustment: null,
        onAccountMinor: 0n,
        confidence: clamp01(Math.max(0.05, 1 - best)),
        reasons: [
          payers.length === 0
            ? r('unidentified.payer', '付款方未识别，待认领', 'payer not identified: publish for claiming')
            : r('unidentified.items', '付款方可能已识别，但款项用途不确定，待确认', 'payer may be known but what is paid is unclear'),
        ],
      });
      ranked.sort((a, b) => b.confidence - a.confidence || KIND_RANK[a.kind] - KIND_RANK[b.kind]);
    }
    return ranked.slice(0, cfg.maxAlternatives).map((c) => this.finish(line, c));
  }

  private finish(line: BankLine, c: Cand): Proposal {
    const confidence = clamp01(Math.round(c.confidence * 10_000) / 10_000);
    return {
      lineId: line.id,
      partyId: c.partyId,
      kind: c.kind,
      allocations: c.allocations,
      adjustment: c.adjustment,
      onAccountMinor: c.onAccountMinor,
      confidence,
      auto: isBooking(c.kind) && c.partyId !== null && confidence >= this.config.autoThreshold,
      reasons: c.reasons,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Party reasoning shared by reference-driven rules
  // ---------------------------------------------------------------------------------------------

  /** Party and party-confidence for items found through the text or an advice. */
  private partyForItems(
    items: readonly OpenItem[],
    payers: readonly PartyCandidate[],
    strongPayers: readonly PartyCandidate[],
    refStrength: number,
  ): { partyId: string; conf: number; reasons: Reason[] } {
    const covering = payers.find((p) => items.every((it) => this.parties.covers(p.partyId, it.partyId)));
    if (covering) {
      const conf = 1 - (1 - covering.score) * (1 - refStrength);
      return { partyId: covering.partyId, conf, reasons: this.payerReasons(covering, items) };
    }
    const parties = [...new Set(items.map((i) => i.partyId))].sort();
    let partyId = parties[0]!;
    let conf = refStrength;
    if (parties.length > 1) {
      const roots = new Set(parties.map((p) => this.parties.root(p)));
      if (roots.size === 1) partyId = [...roots][0]!;
      else conf *= 0.6;
    }
    const name = this.parties.displayName(partyId);
    const reasons = [r('payer.by_reference', `按附言单号识别付款方 → ${name}`, `payer identified by the numbers quoted → ${name}`)];
    if (strongPayers.length > 0) {
      conf *= 0.5;
      const other = this.parties.displayName(strongPayers[0]!.partyId);
      reasons.push(
        r('payer.conflict', `注意：付款方看似 ${other}，与单号所属客户不符`, `note: payer looks like ${other}, not the invoices' customer`),
      );
    }
    return { partyId, conf, reasons };
  }

  private payerReasons(p: PartyCandidate, items: readonly OpenItem[]): Reason[] {
    const name = this.parties.displayName(p.partyId);
    const out: Reason[] = [];
    switch (p.source) {
      case 'account':
        out.push(r('payer.account', `付款方账号已知 → ${name}`, `payer account known → ${name}`));
        break;
      case 'memory_account':
        out.push(r('payer.memory_account', `付款账号曾人工确认 → ${name}`, `payer account confirmed before → ${name}`));
        break;
      case 'name_exact':
        out.push(r('payer.name', `付款方名称一致 → ${name}`, `payer name matches → ${name}`));
        break;
      case 'name_variant':
        out.push(r('payer.name_variant', `付款方名称变体（城市位置不同）→ ${name}`, `payer name variant (city moved) → ${name}`));
        break;
      case 'name_english':
        out.push(r('payer.name_english', `付款方英文名称一致 → ${name}`, `payer English name matches → ${name}`));
        break;
      case 'memory_name':
        out.push(r('payer.memory_name', `付款方名称曾人工确认 → ${name}`, `payer name confirmed before → ${name}`));
        break;
      case 'name_short':
        out.push(r('payer.name_short', `付款方简称 → ${name}`, `payer short name → ${name}`));
        break;
      case 'name_fuzzy':
        out.push(r('payer.name_fuzzy', `付款方名称近似 → ${name}`, `payer name similar → ${name}`));
        break;
    }
    if (items.some((i) => i.partyId !== p.partyId)) {
      out.push(r('payer.parent', '母公司/总部代下属公司付款', 'head office paying for its subsidiaries'));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules
  // ---------------------------------------------------------------------------------------------

  private adviceCandidate(
    line: BankLine,
    payers: readonly PartyCandidate[],
    strongPayers: readonly PartyCandidate[],
    out: Cand[],
  ): void {
    const advice = line.advice!;
    const tol = feeTolerance(line.currency, this.config);
    const res = allocateAdvice(line.amountMinor, advice, this.refs, (it) => this.usable(line, it), tol);
    const items = res.allocations
      .map((a) => this.itemById(a.installmentId))
      .filter((x): x is OpenItem => x !== undefined);
    const n = advice.lines.length;
    let itemConf = 0.995;
    if (res.unresolved.length > 0) itemConf *= 1 - (0.6 * res.unresolved.length) / n;
    if (res.overstated > 0) itemConf *= 1 - (0.4 * res.overstated) / n;
    if (res.cutMinor > 0n) itemConf *= 0.6;
    const reasons: Reason[] = [];
    let partyId: string | null;
    let partyConf: number;
    if (items.length > 0) {
      const p = this.partyForItems(items, payers, strongPayers, 0.97);
      partyId = p.partyId;
      partyConf = p.conf;
      reasons.push(...p.reasons);
    } else {
      partyId = payers[0]?.partyId ?? null;
      partyConf = payers[0]?.score ?? 0;
      itemConf *= 0.3;
      if (payers[0]) reasons.push(...this.payerReasons(payers[0], []));
    }
    const ref = advice.reference ? ` ${advice.reference}` : '';
    reasons.push(
      r(
        'advice',
        `按付款通知${ref}逐行核销 ${n} 行（${res.allocations.length} 笔分期）`,
        `remittance advice${ref} applied line by line: ${n} lines (${res.allocations.length} installments)`,
      ),
    );
    if (res.unresolved.length > 0) {
      reasons.push(
        r(
          'advice.unresolved',
          `付款通知中 ${res.unresolved.length} 个发票号未找到：${res.unresolved.slice(0, 5).join('、')}`,
          `${res.unresolved.length} advice invoice numbers not found: ${res.unresolved.slice(0, 5).join(', ')}`,
        ),
      );
    }
    if (res.feeMinor > 0n) {
      const f = fmt(res.feeMinor, line.currency);
      reasons.push(r('adjust.fee', `短收 ${f}，按银行手续费处理`, `short by ${f}, booked as bank fee`));
    }
    if (res.onAccountMinor > 0n) {
      const f = fmt(res.onAccountMinor, line.currency);
      reasons.push(r('amount.on_account', `余额 ${f} 挂预收`, `rest ${f} kept on account`));
    }
    if (!partyId) return;
    out.push({
      partyId,
      kind: 'remittance_advice',
      allocations: res.allocations,
      adjustment: res.adjustment,
      onAccountMinor: res.onAccountMinor,
      confidence: partyConf * itemConf,
      reasons,
    });
  }

  private itemById(id: string): OpenItem | undefined {
    if (!this.itemIndex) {
      this.itemIndex = new Map();
      for (const arr of this.itemsByParty.values()) for (const it of arr) this.itemIndex.set(it.installmentId, it);
    }
    return this.itemIndex.get(id);
  }
  private itemIndex: Map<string, OpenItem> | null = null;

  private referenceCandidates(
    line: BankLine,
    refs: References,
    payers: readonly PartyCandidate[],
    strongPayers: readonly PartyCandidate[],
    out: Cand[],
  ): void {
    const slots: Slot[] = [];
    let howFactor = 1;
    const typoReasons: Reason[] = [];
    for (const ref of refs.invoices) {
      const items = this.refs.itemsByInvoice.get(ref.invoiceNumber) ?? [];
      let any = false;
      for (const it of items) {
        const rem = this.usable(line, it);
        if (rem > 0n) {
          slots.push({ item: it, remaining: rem });
          any = true;
        }
      }
      if (!any) continue;
      howFactor = Math.min(howFactor, HOW_FACTOR[ref.how]);
      if (ref.how === 'typo' || ref.how === 'transposition') {
        typoReasons.push(
          r(
            `ref.${ref.how}`,
            `附言「${ref.token}」按${ref.how === 'typo' ? '一位数字差异' : '两位数字颠倒'}识别为 ${ref.invoiceNumber}`,
            `remittance "${ref.token}" read as ${ref.invoiceNumber} (${ref.how === 'typo' ? 'one digit differs' : 'two digits transposed'})`,
          ),
        );
      }
    }
    if (slots.length === 0) return;
    const tol = feeTolerance(line.currency, this.config);
    const set = allocateToSet(line.amountMinor, slots, tol, this.config);
    const outcomeConf: Record<SetAllocation['outcome'], number> = {
      exact: 0.995,
      fee_short: 0.97,
      discount: 0.97,
      partial: 0.93,
      overpayment: 0.9,
    };
    if (set.outcome === 'overpayment' && payers[0]) {
      // The rest may pay other (unnamed) open items of the payer: then it is not an overpayment.
      const named = new Set(slots.map((s) => s.item.installmentId));
      const others = this.pool(line, payers[0].partyId).filter((s) => !named.has(s.item.installmentId));
      const rest = subsetSum(
        others.slice(0, this.config.subsetMaxCandidates).map((s) => s.remaining),
        set.onAccountMinor,
        set.onAccountMinor,
        { maxItems: 3, maxNodes: 5_000, maxSolutions: 1 },
      );
      if (rest.solutions.length > 0) outcomeConf.overpayment = 0.6;
      else outcomeConf.overpayment = 0.965;
    }
    let itemConf = outcomeConf[set.outcome] * howFactor;
    if (set.outcome !== 'exact' && howFactor < 0.97) itemConf *= 0.85;
    if (refs.ambiguous.length > 0) itemConf *= 0.9;
    const refStrength = set.outcome === 'exact' ? 0.97 : set.outcome === 'fee_short' || set.outcome === 'discount' ? 0.93 : 0.88;
    const items = slots.map((s) => s.item);
    const p = this.partyForItems(items, payers, strongPayers, refStrength * howFactor);
    const nums = [...new Set(items.map((i) => i.invoiceNumber))];
    const listed = nums.length > 6 ? `${nums.slice(0, 5).join('、')} 等 ${nums.length} 张` : nums.join('、');
    const listedEn = nums.length > 6 ? `${nums.slice(0, 5).join(', ')} and ${nums.length - 5} more` : nums.join(', ');
    const reasons = [...p.reasons, r('ref.invoice', `附言含发票号 ${listed}`, `remittance names ${listedEn}`), ...typoReasons];
    reasons.push(...this.outcomeReasons(line, set));
    out.push({
      partyId: p.partyId,
      kind: setKind(set, 'reference'),
      allocations: set.allocations,
      adjustment: set.adjustment,
      onAccountMinor: set.onAccountMinor,
      confidence: p.conf * itemConf,
      reasons,
    });
  }

  private contractCandidates(
    line: BankLine,
    refs: References,
    payers: readonly PartyCandidate[],
    strongPayers: readonly PartyCandidate[],
    out: Cand[],
  ): void {
    for (const c of refs.contracts) {
      const all = (c.kind === 'contract' ? this.refs.itemsByContract : this.refs.itemsByOrder).get(c.number) ?? [];
      const slots = all
        .map((it) => ({ item: it, remaining: this.usable(line, it) }))
        .filter((s) => s.remaining > 0n)
        .sort((a, b) => compareOldest(a.item, b.item));
      if (slots.length === 0) continue;
      const label = c.kind === 'contract' ? ['合同号', 'contract'] : ['订单号', 'order'];
      const base = r(`ref.${c.kind}`, `附言含${label[0]} ${c.number}`, `remittance names ${label[1]} ${c.number}`);
      const p = this.partyForItems(
        slots.map((s) => s.item),
        payers,
        strongPayers,
        0.93,
      );
      const found = this.amountRules(line, slots);
      for (const f of found) {
        out.push({
          ...f,
          partyId: p.partyId,
          confidence: p.conf * f.confidence * 0.985,
          reasons: [...p.reasons, base, ...f.reasons],
        });
      }
      if (found.length === 0) {
        const set = allocateToSet(line.amountMinor, slots, feeTolerance(line.currency, this.config), this.config);
        out.push({
          partyId: p.partyId,
          kind: setKind(set, 'partial'),
          allocations: set.allocations,
          adjustment: set.adjustment,
          onAccountMinor: set.onAccountMinor,
          confidence: p.conf * (set.outcome === 'overpayment' ? 0.85 : 0.82),
          reasons: [...p.reasons, base, ...this.outcomeReasons(line, set)],
        });
      }
    }
  }

  private payerCandidates(line: BankLine, payer: PartyCandidate, refs: References, out: Cand[]): void {
    const slots = this.pool(line, payer.partyId);
    if (slots.length === 0) return;
    const found = this.amountRules(line, slots);
    // Named invoices that are not among the payer's open items weaken amount-only guesses, and so
    // does text naming some other document (an order, a transfer reference we do not know): the
    // payment is probably for that, not for whatever open item the amount happens to fit.
    const penalty = refs.invoices.length > 0 || refs.contracts.length > 0 || namesOtherDocument(line.remittance, (t) => this.refs.knows(t)) ? 0.85 : 1;
    const named = new Set(refs.invoices.map((x) => x.invoiceNumber));
    for (const f of found) {
      // The text names every invoice of this combination: the numbers confirm the amount.
      const confirmed = named.size > 0 && f.items.every((it) => named.has(it.invoiceNumber));
      const conf = confirmed ? 1 - (1 - f.confidence) * 0.2 : f.confidence * penalty;
      out.push({
        ...f,
        partyId: payer.partyId,
        confidence: payer.score * conf,
        reasons: [
          ...this.payerReasons(payer, f.items),
          ...(confirmed && f.items.length > 1
            ? [r('ref.confirms', '附言发票号与组合一致', 'the invoices named match the combination')]
            : []),
          ...f.reasons,
        ],
      });
    }
    const total = slots.reduce((s, x) => s + x.remaining, 0n);
    const exactSeen = found.some((f) => f.strong);
    if (!exactSeen) {
      if (line.amountMinor > total) {
        const set = allocateToSet(line.amountMinor, slots, 0n, this.config);
        out.push({
          partyId: payer.partyId,
          kind: 'overpayment',
          allocations: set.allocations,
          adjustment: null,
          onAccountMinor: set.onAccountMinor,
          confidence: payer.score * 0.92 * penalty,
          reasons: [...this.payerReasons(payer, slots.map((s) => s.item)), ...this.outcomeReasons(line, set)],
        });
      } else {
        const allocations = oldestFirst(line.amountMinor, slots);
        const oldest = slots[0]!;
        const conf = line.amountMinor < oldest.remaining ? 0.92 : 0.62;
        const items = allocations.map((a) => this.itemById(a.installmentId)!).filter(Boolean);
        out.push({
          partyId: payer.partyId,
          kind: 'partial',
          allocations,
          adjustment: null,
          onAccountMinor: 0n,
          confidence: payer.score * conf * penalty,
          reasons: [
            ...this.payerReasons(payer, items),
            r('amount.partial', '部分付款，按账龄从早到晚核销', 'partial payment, applied oldest first'),
          ],
        });
      }
    }
  }

  /**
   * Amount rules over a pool of slots (oldest first): one item equal, one item short by a fee or a
   * discount, a prefix of the due-ordered items equal (a statement paid up to a date), a bounded
   * combination equal, a combination short by a fee.
   */
  private amountRules(
    line: BankLine,
    slots: readonly Slot[],
  ): (Omit<Cand, 'partyId'> & { items: OpenItem[]; strong: boolean })[] {
    const cfg = this.config;
    const amount = line.amountMinor;
    const tol = feeTolerance(line.currency, cfg);
    const res: (Omit<Cand, 'partyId'> & { items: OpenItem[]; strong: boolean })[] = [];
    const amountMatches = r('amount.exact', '金额一致', 'amount matches');
    // 1. one item equal
    const equal = slots.filter((s) => s.remaining === amount);
    equal.forEach((s, i) => {
      const conf = equal.length === 1 ? 0.97 : i === 0 ? 0.6 : 0.35 / equal.length;
      const reasons = [amountMatches];
      if (equal.length > 1) {
        reasons.push(
          r('amount.ambiguous', `有 ${equal.length} 笔同额未核销款，取最早到期`, `${equal.length} open items have this amount; oldest first`),
        );
      }
      res.push({
        kind: 'exact',
        allocations: [{ installmentId: s.item.installmentId, amountMinor: amount }],
        adjustment: null,
        onAccountMinor: 0n,
        confidence: conf,
        reasons,
        items: [s.item],
        strong: true,
      });
    });
    if (equal.length > 0) return res;
    // 2. one item short by fee / discount
    const short: { s: Slot; adj: Adjustment; rateBp: number | null }[] = [];
    for (const s of slots) {
      const d = matchDiscount(s.remaining, amount, cfg);
      if (d) {
        short.push({
          s,
          adj: { kind: 'discount', installmentId: s.item.installmentId, amountMinor: d.discountMinor },
          rateBp: d.rateBp,
        });
        continue;
      }
      const fee = matchFee(s.remaining, amount, tol);
      if (fee !== null) {
        short.push({ s, adj: { kind: 'bank_fee', installmentId: s.item.installmentId, amountMinor: fee }, rateBp: null });
      }
    }
    short.forEach(({ s, adj, rateBp }, i) => {
      const conf = short.length === 1 ? 0.93 : i === 0 ? 0.55 : 0.3 / short.length;
      const f = fmt(adj.amountMinor, line.currency);
      res.push({
        kind: 'fee_short',
        allocations: [{ installmentId: s.item.installmentId, amountMinor: amount }],
        adjustment: adj,
        onAccountMinor: 0n,
        confidence: conf,
        reasons: [
          adj.kind === 'bank_fee'
            ? r('adjust.fee', `短收 ${f}，按银行手续费处理`, `short by ${f}, booked as bank fee`)
            : r('adjust.discount', `按 ${rateBp! / 100}% 现金折扣，折扣 ${f}`, `${rateBp! / 100}% cash discount of ${f}`),
        ],
        items: [s.item],
        strong: true,
      });
    });
    if (short.length > 0) return res;
    // 3. prefix of due-ordered items (a statement paid up to a date)
    const k = prefixMatch(
      slots.map((s) => s.remaining),
      amount,
    );
    if (k !== null && k >= 2) {
      const chosen = slots.slice(0, k);
      const due = chosen[chosen.length - 1]!.item.dueDate;
      // Another item of the same amount outside the prefix could be swapped in: ambiguous.
      const inPrefix = new Set(chosen.map((s) => s.remaining));
      const swappable = slots.slice(k).some((s) => inPrefix.has(s.remaining));
      res.push({
        kind: 'combination',
        allocations: chosen.map((s) => ({ installmentId: s.item.installmentId, amountMinor: s.remaining })),
        adjustment: null,
        onAccountMinor: 0n,
        confidence: swappable ? 0.55 : k >= 3 ? 0.95 : 0.93,
        reasons: [
          r('amount.prefix', `金额等于截至 ${due} 到期的最早 ${k} 笔合计`, `amount equals the ${k} oldest items, due up to ${due}`),
        ],
        items: chosen.map((s) => s.item),
        strong: true,
      });
      return res;
    }
    // 4. bounded combination (exact, then short by a fee)
    const cands = slots.slice(0, cfg.subsetMaxCandidates);
    const opts = { maxItems: cfg.subsetMaxItems, maxNodes: cfg.subsetMaxNodes, maxSolutions: 3 };
    const amounts = cands.map((s) => s.remaining);
    let found = subsetSum(amounts, amount, amount, opts);
    let withFee = false;
    if (found.solutions.length === 0 && tol > 0n && !found.truncated) {
      found = subsetSum(amounts, amount + 1n, amount + tol, { ...opts, maxNodes: Math.floor(cfg.subsetMaxNodes / 2) });
      withFee = true;
    }
    const nSol = found.solutions.length;
    found.solutions.forEach((sol, i) => {
      const chosen = sol.map((j) => cands[j]!);
      let conf: number;
      if (nSol === 1) {
        // More candidates and round amounts make a coincidental sum likelier.
        const crowd = Math.max(0, cands.length - 10) * 0.002;
        const round = amount % 10_000n === 0n ? 0.03 : 0;
        conf = (withFee ? 0.86 : 0.95 - 0.015 * (chosen.length - 2) - crowd - round) * (found.truncated ? 0.8 : 1);
      }
      else conf = i === 0 ? 0.5 : 0.3 / nSol;
      const allocations = chosen.map((s) => ({ installmentId: s.item.installmentId, amountMinor: s.remaining }));
      let adjustment: Adjustment | null = null;
      const reasons = [
        r('amount.combination', `金额等于 ${chosen.length} 笔未核销款合计`, `amount equals the sum of ${chosen.length} open items`),
      ];
      if (withFee) {
        const total = chosen.reduce((s, x) => s + x.remaining, 0n);
        const fee = total - amount;
        const last = allocations[allocations.length - 1]!;
        allocations[allocations.length - 1] = { ...last, amountMinor: last.amountMinor - fee };
        adjustment = { kind: 'bank_fee', installmentId: last.installmentId, amountMinor: fee };
        const f = fmt(fee, line.currency);
        reasons[0] = r(
          'amount.combination_fee',
          `金额等于 ${chosen.length} 笔未核销款合计减手续费 ${f}`,
          `amount equals ${chosen.length} open items less a bank fee of ${f}`,
        );
        if (last.amountMinor - fee <= 0n) return;
      }
      if (nSol > 1) {
        reasons.push(r('amount.ambiguous', `共有 ${nSol}+ 种组合金额相同`, `${nSol}+ combinations give this amount`));
      }
      res.push({
        kind: withFee ? 'fee_short' : 'combination',
        allocations,
        adjustment,
        onAccountMinor: 0n,
        confidence: conf,
        reasons,
        items: chosen.map((s) => s.item),
        strong: nSol === 1,
      });
    });
    return res;
  }

  /** No payer, no reference: an amount equal to exactly one open item anywhere (weak). */
  private amountOnlyCandidates(line: BankLine, out: Cand[]): void {
    const all = (this.itemsByAmount.get(`${line.currency}|${line.amountMinor}`) ?? []).filter(
      (it) => this.usable(line, it) === line.amountMinor,
    );
    if (all.length === 0 || all.length > 3) return;
    for (const it of all) {
      const name = this.parties.displayName(it.partyId);
      out.push({
        partyId: it.partyId,
        kind: 'exact',
        allocations: [{ installmentId: it.installmentId, amountMinor: line.amountMinor }],
        adjustment: null,
        onAccountMinor: 0n,
        confidence: (all.length === 1 ? 0.6 : 0.3 / all.length) * (line.payerName ? 0.8 : 1),
        reasons: [
          r(
            'amount.only',
            `付款方未识别；金额与 ${name} 的 ${it.invoiceNumber} 一致`,
            `payer not identified; amount equals ${it.invoiceNumber} of ${name}`,
          ),
        ],
      });
    }
  }

  private outcomeReasons(line: BankLine, set: SetAllocation): Reason[] {
    switch (set.outcome) {
      case 'exact':
        return [r('amount.exact', '金额一致', 'amount matches')];
      case 'fee_short': {
        const f = fmt(set.adjustment!.amountMinor, line.currency);
        return [r('adjust.fee', `短收 ${f}，按银行手续费处理`, `short by ${f}, booked as bank fee`)];
      }
      case 'discount': {
        const f = fmt(set.adjustment!.amountMinor, line.currency);
        const pct = (set.discountRateBp ?? 0) / 100;
        return [r('adjust.discount', `按 ${pct}% 现金折扣，折扣 ${f}`, `${pct}% cash discount of ${f}`)];
      }
      case 'partial':
        return [r('amount.partial', '部分付款，按账龄从早到晚核销', 'partial payment, applied oldest first')];
      case 'overpayment': {
        const f = fmt(set.onAccountMinor, line.currency);
        return [r('amount.overpaid', `超付 ${f}，余额挂预收`, `overpaid by ${f}, rest kept on account`)];
      }
    }
  }
}

function setKind(set: SetAllocation, exactKind: ProposalKind): ProposalKind {
  switch (set.outcome) {
    case 'exact':
      return exactKind === 'partial' ? 'exact' : exactKind;
    case 'fee_short':
    case 'discount':
      return 'fee_short';
    case 'partial':
      return 'partial';
    case 'overpayment':
      return 'overpayment';
  }
}

function candKey(c: Cand): string {
  const allocs = [...c.allocations]
    .map((a) => `${a.installmentId}:${a.amountMinor}`)
    .sort()
    .join(',');
  const adj = c.adjustment ? `${c.adjustment.kind}:${c.adjustment.installmentId}:${c.adjustment.amountMinor}` : '';
  return `${c.partyId ?? ''}|${allocs}|${adj}|${c.onAccountMinor}`;
}

/** Same booking found by several rules: one proposal, stronger, with the reasons of both. */
function mergeCands(cands: readonly Cand[]): Cand[] {
  const byKey = new Map<string, Cand>();
  for (const c of cands) {
    const k = candKey(c);
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, { ...c, reasons: [...c.reasons] });
      continue;
    }
    const hi = Math.max(prev.confidence, c.confidence);
    const lo = Math.min(prev.confidence, c.confidence);
    const kind = KIND_RANK[c.kind] < KIND_RANK[prev.kind] ? c.kind : prev.kind;
    const reasons = [...prev.reasons];
    for (const x of c.reasons) if (!reasons.some((y) => y.code === x.code && y.zh === x.zh)) reasons.push(x);
    byKey.set(k, { ...prev, kind, confidence: hi + (1 - hi) * lo * 0.5, reasons });
  }
  return [...byKey.values()];
}

/**
 * Matches a batch: ranked proposals per line id (best first, at most config.maxAlternatives).
 * Proposals with `auto` set are reserved as the run goes, so no item is over-allocated by the
 * auto-applied proposals of one run.
 */
export function matchLines(
  lines: readonly BankLine[],
  items: readonly OpenItem[],
  parties: readonly PartyProfile[],
  memory: MatchMemory,
  config?: Partial<MatchConfig>,
  context?: MatchContext,
): Map<string, Proposal[]> {
  const matcher = new Matcher(items, parties, memory, config, context);
  const out = new Map<string, Proposal[]>();
  for (const l of lines) out.set(l.id, []);
  const order = lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.date.localeCompare(b.l.date) || a.i - b.i);
  for (const { l } of order) {
    const proposals = matcher.matchLine(l);
    const top = proposals[0];
    if (top?.auto) matcher.reserve(top);
    out.set(l.id, proposals);
  }
  return out;
}

/**
 * Pure, deterministic generation of the demo data set: the same options give the same rows, byte
 * for byte. Nothing here touches the database; seed.ts inserts what this returns.
 *
 * Money is bigint minor units throughout. Floats are used only to draw behaviour and a random base
 * amount (a unit price, a quantity); every amount that is split or summed is exact.
 */
import { formatAmount, splitByPercents, splitByWeights } from '../domain/money';
import {
  addMonths,
  cstTimestamp,
  type Day,
  dayOf,
  daysInMonth,
  formatDay,
  isBusinessDay,
  nextBusinessDay,
  parseDay,
  prevBusinessDay,
  weekday,
  ymd,
} from './calendar';
import {
  type CatalogItem,
  CREDIT_REASONS_FULL,
  CREDIT_REASONS_PARTIAL,
  DISPUTE_REASONS,
  ENTITY_CATALOG,
  itemName,
} from './catalog';
import {
  BANKS,
  BRANCHES,
  type City,
  CUSTOMER_INDUSTRIES,
  EXPORT_WORDS,
  type Industry,
  makeUscc,
  PROVINCES,
  type Province,
  personName,
  provinceByShort,
  SUPPLIER_KINDS,
  type SupplierKind,
  TRADE_NAMES,
} from './names';
import { Rng } from './random';

// ---------------------------------------------------------------------------------------------
// Rows, named exactly like the table columns.
// ---------------------------------------------------------------------------------------------

export interface EntityRow {
  id: string;
  code: string;
  name: string;
  base_currency: string;
  created_at: string;
}

export interface DemoUser {
  id: string;
  username: string;
  display_name: string;
  role: 'admin' | 'finance' | 'collector' | 'sales' | 'legal' | 'manager' | 'auditor';
  scope_regions: string[] | null;
  scope_own_customers: boolean;
  /** Which of the two demo passwords the user gets. */
  password: 'admin' | 'demo';
}

export interface PartyRow {
  id: string;
  code: string;
  name: string;
  name_en: string | null;
  short_name: string;
  is_customer: boolean;
  is_supplier: boolean;
  uscc: string | null;
  region: string;
  province: string;
  industry: string;
  owner_user_id: string | null;
  payment_terms_days: number;
  credit_limit_minor: bigint | null;
  credit_currency: string;
  parent_id: string | null;
  external_ids: Record<string, string>;
  contact_email: string;
  created_at: string;
}

export interface BankAccountRow {
  id: string;
  party_id: string;
  bank_name: string;
  account_no: string;
  account_name: string;
  created_at: string;
}

export interface FxRateRow {
  base_currency: string;
  quote_currency: string;
  rate_date: string;
  rate: string;
}

export interface Milestone {
  name: string;
  percent: string;
  dueRule: { kind: 'days_after_invoice'; days: number };
}

export interface ContractRow {
  id: string;
  entity_id: string;
  side: 'AR' | 'AP';
  number: string;
  party_id: string;
  title: string;
  currency: string;
  current_version: number;
  signed_on: string;
  created_at: string;
}

export interface ContractVersionRow {
  id: string;
  contract_id: string;
  version: number;
  total_minor: bigint;
  schedule: Milestone[];
  valid_from: string;
  note: string | null;
  created_at: string;
}

export interface InvoiceRow {
  id: string;
  entity_id: string;
  side: 'AR' | 'AP';
  kind: 'invoice' | 'credit_note';
  number: string;
  party_id: string;
  contract_version_id: string | null;
  order_ref: string | null;
  einvoice_number: string | null;
  original_invoice_id: string | null;
  currency: string;
  issue_date: string;
  subtotal_minor: bigint;
  tax_minor: bigint;
  total_minor: bigint;
  description: string | null;
  created_by: string | null;
  created_at: string;
}

export interface InvoiceLineRow {
  id: string;
  invoice_id: string;
  line_no: number;
  description: string;
  quantity: string;
  unit_price_minor: bigint;
  tax_rate: string;
  amount_minor: bigint;
  tax_minor: bigint;
}

export interface InstallmentRow {
  id: string;
  invoice_id: string;
  seq: number;
  due_date: string;
  amount_minor: bigint;
  milestone: string | null;
}

export interface ReceiptRow {
  id: string;
  entity_id: string;
  side: 'AR' | 'AP';
  number: string;
  party_id: string | null;
  receipt_date: string;
  currency: string;
  amount_minor: bigint;
  method: 'bank_transfer' | 'cash' | 'draft' | 'card' | 'other';
  bank_account: string;
  counterparty_name: string;
  counterparty_account: string | null;
  remittance: string | null;
  bank_reference: string;
  created_by: string | null;
  created_at: string;
}

export interface AllocationRow {
  id: string;
  entity_id: string;
  side: 'AR' | 'AP';
  target_installment_id: string;
  source_kind: 'receipt' | 'credit_note' | 'adjustment';
  source_receipt_id: string | null;
  source_installment_id: string | null;
  adjustment_kind: 'discount' | 'bank_fee' | 'small_difference' | 'write_off' | null;
  amount_minor: bigint;
  source_amount_minor: bigint;
  effective_date: string;
  method: 'demo';
  reason: string | null;
  created_by: string | null;
  created_at: string;
}

export interface DisputeRow {
  id: string;
  invoice_id: string;
  opened_on: string;
  resolved_on: string | null;
  reason: string;
  created_by: string | null;
  created_at: string;
}

export interface DemoData {
  entities: EntityRow[];
  users: DemoUser[];
  parties: PartyRow[];
  bankAccounts: BankAccountRow[];
  fxRates: FxRateRow[];
  contracts: ContractRow[];
  contractVersions: ContractVersionRow[];
  /** AR invoices, AR credit notes and AP bills, originals before credit notes, in issue order. */
  invoices: InvoiceRow[];
  lines: InvoiceLineRow[];
  installments: InstallmentRow[];
  /** AR receipts and AP payments in date order. */
  receipts: ReceiptRow[];
  /** In effective-date order; every row respects the allocation invariants at its point of insertion. */
  allocations: AllocationRow[];
  disputes: DisputeRow[];
}

export interface DemoSizes {
  customers: number;
  suppliers: number;
  invoices: number;
  seed: number;
  /** YYYY-MM-DD; nothing is dated after it. */
  today: string;
}

// ---------------------------------------------------------------------------------------------
// Internal model.
// ---------------------------------------------------------------------------------------------

type Profile = 'prompt' | 'slight' | 'late' | 'lump' | 'partial' | 'default';

interface EntityDef {
  code: string;
  name: string;
  taxCode: string;
  accounts: Record<string, string>;
}

const ENTITY_DEFS: readonly EntityDef[] = [
  { code: 'SH01', name: '上海收付科技有限公司', taxCode: '31', accounts: { CNY: '121909876510101', USD: '121909876532201' } },
  { code: 'SZ01', name: '深圳收付供应链有限公司', taxCode: '44', accounts: { CNY: '755912345610801', USD: '755912345632802' } },
];

interface Party {
  idx: number;
  row: PartyRow;
  prov: Province;
  city: City;
  trade: string;
  industry: Industry | null;
  currency: 'CNY' | 'USD';
  accounts: BankAccountRow[];
  parent: Party | null;
  // customer side
  weight: number;
  big: boolean;
  primary: number;
  secondaryShare: number;
  medianAmount: number;
  profile: Profile;
  batch: 'none' | 'weekly' | 'monthly';
  payday: number;
  payWeekday: number;
  since: Day;
  until: Day;
  defaultFrom: Day | null;
  seasonAmp: number;
  seasonPhase: number;
  trend: number;
  items: readonly CatalogItem[][];
  orderStyle: 0 | 1 | 2;
  // supplier side
  supplierKind: SupplierKind | null;
  apTerms: number;
}

interface Doc {
  row: InvoiceRow;
  party: Party;
  entity: number;
  issue: Day;
  lines: InvoiceLineRow[];
  inst: InstallmentRow[];
  dues: Day[];
  /** Amount of each installment still to be settled by money after credit notes. */
  open: bigint[];
  /** Generation order; ties in date are broken by it. */
  ord: number;
  contract: ContractPlan | null;
  project: boolean;
  blocked: boolean;
  resolvedAfter: Day | null;
  earliestPay: Day;
}

interface ContractPlan {
  row: ContractRow;
  versions: { row: ContractVersionRow; from: Day; days: number[] }[];
  party: Party;
  docs: Doc[];
  project: boolean;
}

interface Intent {
  doc: Doc;
  seq: number;
  amount: bigint;
  date: Day;
  partial: boolean;
}

interface PendingReceipt {
  row: ReceiptRow;
  day: Day;
  ord: number;
  allocs: AllocationRow[];
}

const COS12 = [1, 0.866, 0.5, 0, -0.5, -0.866, -1, -0.866, -0.5, 0, 0.5, 0.866];

function taxOf(amount: bigint, bp: number): bigint {
  // Half up; amounts are never negative here.
  return (amount * BigInt(bp) * 2n + 10000n) / 20000n;
}

function rateText(bp: number): string {
  return bp === 0 ? '0' : `0.${String(bp / 100).padStart(2, '0')}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function yy(day: Day): string {
  return pad(ymd(day).y % 100, 2);
}

function toMinor(units: number): bigint {
  return BigInt(Math.round(units * 100));
}

export function generateDemo(sizes: DemoSizes): DemoData {
  return new Generator(sizes).run();
}

class Generator {
  private readonly today: Day;
  private readonly start: Day;
  private readonly root: Rng;
  private readonly ids: Rng;
  private readonly out: DemoData = {
    entities: [],
    users: [],
    parties: [],
    bankAccounts: [],
    fxRates: [],
    contracts: [],
    contractVersions: [],
    invoices: [],
    lines: [],
    installments: [],
    receipts: [],
    allocations: [],
    disputes: [],
  };
  private customers: Party[] = [];
  private suppliers: Party[] = [];
  private arDocs: Doc[] = [];
  private creditDocs: Doc[] = [];
  private apDocs: Doc[] = [];
  private contracts: ContractPlan[] = [];
  private arReceipts: PendingReceipt[] = [];
  private apPayments: PendingReceipt[] = [];
  private creditAllocs: { day: Day; ord: number; rows: AllocationRow[] }[] = [];
  private docOrd = 0;
  private financeId = '';
  private sales: { user: DemoUser; regions: string[] }[] = [];
  private usedNames = new Set<string>();
  private usedDomains = new Set<string>();
  private usedAccounts = new Set<string>();
  /** 数电票 number sequences per year and province, shared by all documents. */
  private einvCounters = new Map<string, number>();

  constructor(private readonly sizes: DemoSizes) {
    this.today = parseDay(sizes.today);
    this.start = this.today - 730;
    this.root = new Rng(sizes.seed);
    this.ids = this.root.fork('ids');
  }

  run(): DemoData {
    this.makeEntities();
    this.makeUsers();
    this.makeFx();
    this.makeCustomers();
    this.makeSuppliers();
    this.makeArInvoices();
    this.numberArInvoices();
    this.simulateAr();
    this.makeAp();
    this.finish();
    return this.out;
  }

  private id(): string {
    return this.ids.uuid();
  }

  // -------------------------------------------------------------------------------------------
  // Entities, users, FX
  // -------------------------------------------------------------------------------------------

  private makeEntities(): void {
    for (const e of ENTITY_DEFS) {
      this.out.entities.push({
        id: this.id(),
        code: e.code,
        name: e.name,
        base_currency: 'CNY',
        created_at: cstTimestamp(this.start - 420, 9 * 60),
      });
    }
  }

  private makeUsers(): void {
    const u = (
      username: string,
      display_name: string,
      role: DemoUser['role'],
      extra: Partial<DemoUser> = {},
    ): DemoUser => {
      const user: DemoUser = {
        id: this.id(),
        username,
        display_name,
        role,
        scope_regions: null,
        scope_own_customers: false,
        password: 'demo',
        ...extra,
      };
      this.out.users.push(user);
      return user;
    };
    u('admin', '系统管理员', 'admin', { password: 'admin' });
    this.financeId = u('finance', '周敏', 'finance').id;
    u('manager', '郑国庆', 'manager');
    u('auditor', '孙立', 'auditor');
    u('collector', '吴婷', 'collector');
    const salesDefs: [string, string, string[]][] = [
      ['wangfang', '王芳', ['华东']],
      ['liqiang', '李强', ['华东', '华中']],
      ['zhangwei', '张伟', ['华南']],
      ['liuyang', '刘洋', ['华北', '东北']],
      ['chenjing', '陈静', ['华中', '西北']],
      ['yanglei', '杨磊', ['西南', '华南']],
    ];
    for (const [name, display, regions] of salesDefs) {
      this.sales.push({ user: u(name, display, 'sales', { scope_own_customers: true }), regions });
    }
    u('zhaomin', '赵敏', 'sales', { scope_regions: ['华东'] });
    u('huangjun', '黄俊', 'sales', { scope_regions: ['华南', '西南'] });
  }

  private makeFx(): void {
    const rng = this.root.fork('fx');
    let rate = 7.12 + rng.next() * 0.12;
    for (let d = this.start - 45; d <= this.today; d++) {
      if (!isBusinessDay(d)) continue;
      rate += rng.normal() * 0.006 + (7.2 - rate) * 0.02;
      rate = Math.min(7.3, Math.max(7.1, rate));
      // Four decimals, as published (中间价).
      const text = (Math.round(rate * 10000) / 10000).toFixed(4);
      this.out.fxRates.push({ base_currency: 'USD', quote_currency: 'CNY', rate_date: formatDay(d), rate: text });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Parties
  // -------------------------------------------------------------------------------------------

  private pickProvince(rng: Rng, region?: string): Province {
    const list = region ? PROVINCES.filter((p) => p.region === region) : PROVINCES;
    return rng.weighted(
      list,
      list.map((p) => p.weight),
    );
  }

  private uniqueName(make: () => string): string {
    for (let i = 0; i < 50; i++) {
      const n = make();
      if (!this.usedNames.has(n)) {
        this.usedNames.add(n);
        return n;
      }
    }
    throw new Error('could not find a unique company name');
  }

  private domain(base: string, cityPy: string): string {
    let d = base;
    if (this.usedDomains.has(d)) d = `${cityPy}${base}`;
    for (let i = 2; this.usedDomains.has(d); i++) d = `${cityPy}${base}${i}`;
    this.usedDomains.add(d);
    return `${d}.example.cn`;
  }

  private bankAccounts(rng: Rng, party: Party, count: number): void {
    for (let i = 0; i < count; i++) {
      const [bank, len] = rng.pick(BANKS);
      let no = '';
      do no = rng.digits(len);
      while (this.usedAccounts.has(no));
      this.usedAccounts.add(no);
      const row: BankAccountRow = {
        id: this.id(),
        party_id: party.row.id,
        bank_name: `${bank}${party.city.name}${rng.pick(BRANCHES)}`,
        account_no: no,
        account_name: party.row.name,
        created_at: party.row.created_at,
      };
      party.accounts.push(row);
      this.out.bankAccounts.push(row);
    }
  }

  private blankParty(idx: number, prov: Province, city: City, trade: string, industry: Industry | null): Party {
    return {
      idx,
      row: {} as PartyRow,
      prov,
      city,
      trade,
      industry,
      currency: 'CNY',
      accounts: [],
      parent: null,
      weight: 1,
      big: false,
      primary: 0,
      secondaryShare: 0,
      medianAmount: 0,
      profile: 'prompt',
      batch: 'none',
      payday: 25,
      payWeekday: 4,
      since: this.start,
      until: this.today,
      defaultFrom: null,
      seasonAmp: 0,
      seasonPhase: 0,
      trend: 0,
      items: [],
      orderStyle: 0,
      supplierKind: null,
      apTerms: 30,
    };
  }

  private makeCustomers(): void {
    const rng = this.root.fork('customers');
    const n = this.sizes.customers;
    const trades = rng.shuffle([...TRADE_NAMES]);
    let tradeAt = 0;
    const nextTrade = () => trades[tradeAt++ % trades.length]!;

    interface Spec {
      prov: Province;
      city: City;
      industry: Industry;
      trade: readonly [string, string];
      form: 'city' | 'joint' | 'province' | 'bracket' | 'group' | 'export';
      parentIndex: number | null;
    }
    const specs: Spec[] = [];
    const nGroups = n >= 40 ? Math.round(n / 40) : n >= 12 ? 1 : 0;
    const industryWeights = CUSTOMER_INDUSTRIES.map((i) => i.weight);
    for (let g = 0; g < nGroups && specs.length < n; g++) {
      const trade = nextTrade();
      const prov = this.pickProvince(rng);
      const industry = rng.weighted(CUSTOMER_INDUSTRIES, industryWeights);
      specs.push({ prov, city: prov.cities[0]!, industry, trade, form: 'group', parentIndex: null });
      const parentIndex = specs.length - 1;
      const subs = Math.min(rng.int(2, 5), n - specs.length);
      for (let s = 0; s < subs; s++) {
        const sp = rng.chance(0.6) ? this.pickProvince(rng, prov.region) : this.pickProvince(rng);
        specs.push({
          prov: sp,
          city: rng.pick(sp.cities),
          industry: rng.chance(0.7) ? industry : rng.pick(CUSTOMER_INDUSTRIES),
          trade,
          form: rng.chance(0.6) ? 'bracket' : 'city',
          parentIndex,
        });
      }
    }
    const groupTrades = tradeAt;
    while (specs.length < n) {
      const prov = this.pickProvince(rng);
      const exporter = rng.chance(0.035) && ['华东', '华南'].includes(prov.region);
      specs.push({
        prov,
        city: rng.pick(prov.cities),
        industry: exporter ? CUSTOMER_INDUSTRIES[1]! : rng.weighted(CUSTOMER_INDUSTRIES, industryWeights),
        trade: trades[groupTrades + rng.int(0, trades.length - groupTrades - 1)]!,
        form: exporter ? 'export' : rng.weighted(['city', 'joint', 'province', 'bracket'] as const, [62, 10, 16, 12]),
        parentIndex: null,
      });
    }

    specs.forEach((s, idx) => {
      const [tradeZh, tradePy] = s.trade;
      const cityName = s.city.name;
      let word: readonly [string, string] = s.form === 'export' ? rng.pick(EXPORT_WORDS) : rng.pick(s.industry.words);
      const name = this.uniqueName(() => {
        word = s.form === 'export' ? rng.pick(EXPORT_WORDS) : rng.pick(s.industry.words);
        switch (s.form) {
          case 'group':
            return rng.chance(0.5) ? `${s.prov.short}${tradeZh}控股集团有限公司` : `${tradeZh}集团股份有限公司`;
          case 'joint':
            return `${cityName}${tradeZh}${word[0]}股份有限公司`;
          case 'province':
            return `${s.prov.short}${tradeZh}${word[0]}有限公司`;
          case 'bracket':
            return `${tradeZh}${word[0]}（${cityName}）有限公司`;
          default:
            return `${cityName}${tradeZh}${word[0]}有限公司`;
        }
      });
      const short = s.form === 'group' ? `${tradeZh}集团` : `${tradeZh}${word[0].slice(0, 2)}`;
      const p = this.blankParty(idx, s.prov, s.city, tradeZh, s.industry);
      const division = rng.pick(s.city.divisions);
      const owners = this.sales.filter((x) => x.regions.includes(s.prov.region));
      const owner = rng.pick(owners.length > 0 ? owners : this.sales).user;
      const terms =
        s.industry.name === '建筑工程'
          ? rng.weighted([60, 90], [1, 2])
          : s.industry.name === '餐饮'
            ? rng.weighted([30, 45], [3, 1])
            : rng.weighted([30, 45, 60, 90], [40, 15, 30, 15]);
      p.currency = s.form === 'export' ? 'USD' : 'CNY';
      p.row = {
        id: this.id(),
        code: `C${pad(idx + 1, 5)}`,
        name,
        name_en:
          p.currency === 'USD'
            ? `${tradePy[0]!.toUpperCase()}${tradePy.slice(1)} ${word[1] === 'imex' ? 'Import & Export' : 'International Trading'} Co., Ltd.`
            : null,
        short_name: short,
        is_customer: true,
        is_supplier: false,
        uscc: makeUscc(rng, division),
        region: s.prov.region,
        province: s.prov.name,
        industry: s.industry.name,
        owner_user_id: owner.id,
        payment_terms_days: terms,
        credit_limit_minor: null,
        credit_currency: p.currency,
        parent_id: null,
        external_ids: {},
        contact_email: `${rng.weighted(['ar', 'caiwu', 'finance', 'ap'], [4, 3, 2, 2])}@${this.domain(`${tradePy}${s.form === 'group' ? 'group' : word[1]}`, s.city.py)}`,
        created_at: '',
      };
      p.seasonAmp = rng.range(0, 0.3);
      p.seasonPhase = rng.int(0, 11);
      p.trend = rng.range(-0.35, 0.45);
      p.orderStyle = rng.weighted([0, 1, 2] as const, [40, 35, 25]);
      // Pareto-like volume: a few big customers, a long tail.
      p.weight = s.form === 'group' ? 3 + rng.next() * 6 : 0.15 + 1 / (1 - 0.985 * rng.next()) - 1;
      this.customers.push(p);
    });
    // Parents and subsidiaries.
    specs.forEach((s, idx) => {
      if (s.parentIndex === null) return;
      const child = this.customers[idx]!;
      const parent = this.customers[s.parentIndex]!;
      child.parent = parent;
      child.row.parent_id = parent.row.id;
    });

    const byWeight = [...this.customers].sort((a, b) => b.weight - a.weight || a.idx - b.idx);
    const bigCount = Math.max(1, Math.round(n / 48));
    byWeight.slice(0, bigCount).forEach((p) => {
      p.big = true;
    });

    // Who defaults: a few medium customers that have been with us from the start.
    const middle = byWeight.slice(bigCount + Math.round(n * 0.05), Math.max(bigCount + 1, Math.round(n * 0.4)));
    const candidates = middle.filter((p) => p.currency === 'CNY' && p.parent === null);
    const nDefault = Math.min(candidates.length, Math.max(1, Math.round(n * 0.03)));
    const defaulters = new Set(rng.shuffle([...candidates]).slice(0, nDefault));

    for (const p of this.customers) {
      const r = rng.fork(`cust-${p.idx}`);
      const ind = p.industry!;
      // Entity affinity.
      if (p.currency === 'USD') {
        p.primary = 1;
      } else {
        const south = p.prov.region === '华南' || p.prov.region === '西南';
        p.primary = r.chance(south ? 0.75 : 0.2) ? 1 : 0;
        p.secondaryShare = r.chance(0.2) ? r.range(0.1, 0.35) : 0;
      }
      const base = p.currency === 'USD' ? 18000 / 7.2 : 22000;
      p.medianAmount = Math.min(
        p.currency === 'USD' ? 60000 : 400000,
        Math.max(p.currency === 'USD' ? 400 : 1500, base * Math.exp(0.8 * r.normal()) * (p.big ? 1.6 : 1)),
      );
      // Life cycle.
      if (defaulters.has(p)) {
        p.profile = 'default';
        p.defaultFrom = this.today - r.int(180, 270);
        p.until = Math.min(this.today - 20, p.defaultFrom + r.int(30, 110));
      } else {
        p.profile = r.weighted<Profile>(['prompt', 'slight', 'late', 'lump', 'partial'], [40, 25, 15, 11, 9]);
        if (!p.big && !p.parent && r.chance(0.15)) p.since = this.start + r.int(30, 600);
        if (!p.big && r.chance(0.07)) p.until = Math.max(p.since + 120, this.today - r.int(60, 420));
      }
      p.since = Math.min(p.since, this.today - 60);
      p.until = Math.min(this.today, Math.max(p.until, p.since + 60));
      p.batch = p.profile === 'lump' ? 'monthly' : p.big ? r.weighted(['weekly', 'monthly'], [3, 1]) : r.chance(0.12) ? 'weekly' : 'none';
      p.payday = r.pick([5, 10, 15, 20, 25, 28]);
      p.payWeekday = r.int(1, 5);
      // What they buy from each entity.
      p.items = ENTITY_DEFS.map((e) => {
        const catalog = ENTITY_CATALOG[e.code]!;
        const usable = p.currency === 'USD' ? catalog.filter((i) => i.mode === 'units') : catalog;
        const weights = usable.map((i) => i.weight * (i.affinity ? (i.affinity.includes(ind.name) ? 4 : 0.3) : 1));
        const k = r.int(2, 4);
        const chosen: CatalogItem[] = [];
        for (let i = 0; i < 12 && chosen.length < k; i++) {
          const it = r.weighted(usable, weights);
          if (!chosen.includes(it)) chosen.push(it);
        }
        return chosen;
      });
      const created = Math.min(p.since, this.start) - (p.since > this.start ? r.int(3, 25) : r.int(30, 900));
      p.row.created_at = cstTimestamp(created, r.int(540, 1080));
      p.row.external_ids = r.chance(0.85) ? { kingdee: `C${pad(p.idx + 1, 4)}` } : {};
      if (r.chance(0.3)) p.row.external_ids['crm'] = `ACC-${10000 + p.idx * 7 + r.int(0, 6)}`;
      this.bankAccounts(r, p, r.chance(0.2) ? 2 : 1);
    }
    // Subsidiaries pay the same way as their parent more often than not.
    for (const p of this.customers) {
      if (p.parent && p.profile !== 'default' && rng.chance(0.5)) p.profile = p.parent.profile === 'default' ? 'slight' : p.parent.profile;
    }
  }

  private makeSuppliers(): void {
    const rng = this.root.fork('suppliers');
    const m = this.sizes.suppliers;
    // A few customers also sell to us.
    const dualCount = Math.min(Math.floor(m / 3), Math.max(m > 0 ? 1 : 0, Math.round(m / 9)));
    const kindFor = (industry: string): SupplierKind | undefined =>
      SUPPLIER_KINDS.find((k) => k.industry === industry && !k.recurring);
    const dualPool = this.customers.filter(
      (c) => c.currency === 'CNY' && c.profile !== 'default' && !c.big && kindFor(c.row.industry) !== undefined,
    );
    const duals = rng.shuffle([...dualPool]).slice(0, dualCount);
    for (const c of duals) {
      c.row.is_supplier = true;
      c.supplierKind = kindFor(c.row.industry)!;
      c.apTerms = rng.pick([30, 60]);
      this.suppliers.push(c);
    }
    const trades = rng.shuffle([...TRADE_NAMES]);
    for (let i = 0; this.suppliers.length < m; i++) {
      const kind =
        i < SUPPLIER_KINDS.length
          ? SUPPLIER_KINDS[i]!
          : rng.weighted(
              SUPPLIER_KINDS,
              SUPPLIER_KINDS.map((k) => k.weight),
            );
      // Suppliers sit near the two entities.
      const prov = rng.chance(0.85)
        ? provinceByShort(rng.weighted(['上海', '江苏', '浙江', '广东'], [4, 2, 2, 4]))
        : this.pickProvince(rng);
      const city = rng.pick(prov.cities);
      const [tradeZh, tradePy] = trades[i % trades.length]!;
      const word = rng.pick(kind.words);
      const accountingFirm = kind.key === 'consulting' && i === SUPPLIER_KINDS.length - 1;
      const name = this.uniqueName(() =>
        accountingFirm
          ? `${city.name}${tradeZh}会计师事务所（特殊普通合伙）`
          : rng.chance(0.8)
            ? `${city.name}${tradeZh}${rng.pick(kind.words)[0]}有限公司`
            : `${tradeZh}${rng.pick(kind.words)[0]}（${city.name}）有限公司`,
      );
      const p = this.blankParty(this.customers.length + i, prov, city, tradeZh, null);
      p.supplierKind = kind;
      p.apTerms = kind.recurring ? rng.pick([15, 30]) : rng.weighted([30, 45, 60, 90], [4, 1, 4, 1]);
      p.weight = kind.recurring ? 1 : 1 / (1 - 0.95 * rng.next());
      const r = rng.fork(`supp-${i}`);
      p.row = {
        id: this.id(),
        code: `S${pad(i + 1, 4)}`,
        name,
        name_en: null,
        short_name: accountingFirm ? `${tradeZh}会计师事务所` : `${tradeZh}${word[0].slice(0, 2)}`,
        is_customer: false,
        is_supplier: true,
        uscc: makeUscc(r, rng.pick(city.divisions)),
        region: prov.region,
        province: prov.name,
        industry: kind.industry,
        owner_user_id: null,
        payment_terms_days: p.apTerms,
        credit_limit_minor: null,
        credit_currency: 'CNY',
        parent_id: null,
        external_ids: { kingdee: `V${pad(i + 1, 4)}` },
        contact_email: `${r.pick(['sales', 'finance', 'service'])}@${this.domain(`${tradePy}${word[1]}`, city.py)}`,
        created_at: cstTimestamp(this.start - r.int(30, 900), r.int(540, 1080)),
      };
      this.bankAccounts(r, p, 1);
      this.suppliers.push(p);
    }
  }

  // -------------------------------------------------------------------------------------------
  // AR invoices
  // -------------------------------------------------------------------------------------------

  private slotsCache: { y: number; m: number; days: Day[] }[] | null = null;

  private monthSlots(): { y: number; m: number; days: Day[] }[] {
    if (this.slotsCache) return this.slotsCache;
    const slots: { y: number; m: number; days: Day[] }[] = [];
    const first = ymd(this.start);
    let cursor = dayOf(first.y, first.m, 1);
    while (cursor <= this.today) {
      const { y, m } = ymd(cursor);
      const days: Day[] = [];
      for (let d = cursor; d < cursor + daysInMonth(y, m); d++) {
        if (d >= this.start && d <= this.today && isBusinessDay(d)) days.push(d);
      }
      slots.push({ y, m, days });
      cursor = addMonths(cursor, 1);
    }
    this.slotsCache = slots;
    return slots;
  }

  /** Issue dates for one party: by month with seasonality and trend, then a business day within it. */
  private issueDates(r: Rng, p: Party, count: number, season: readonly number[]): Day[] {
    const slots = this.monthSlots();
    const windows = slots.map((s) => s.days.filter((d) => d >= p.since && d <= p.until));
    const weights: number[] = slots.map((s, i): number => {
      const active = windows[i]!.length;
      if (active === 0) return 0;
      const t = slots.length > 1 ? i / (slots.length - 1) : 0;
      return active * season[s.m - 1]! * (1 + p.seasonAmp * COS12[(s.m + p.seasonPhase) % 12]!) * (1 + p.trend * (t - 0.5));
    });
    if (!weights.some((w) => w > 0)) weights[weights.length - 1] = 1;
    const dates: Day[] = [];
    const indexes = slots.map((_, i) => i);
    for (let i = 0; i < count; i++) {
      const k = r.weighted(indexes, weights);
      const inWindow = windows[k]!;
      const all = slots[k]!.days;
      dates.push(r.pick(inWindow.length > 0 ? inWindow : all.length > 0 ? all : [this.today]));
    }
    return dates.sort((a, b) => a - b);
  }

  private makeLines(
    r: Rng,
    doc: Doc,
    items: readonly CatalogItem[],
    targetUnits: number,
    exportZeroRated: boolean,
    usdPrice: boolean,
  ): void {
    const count = r.weighted([1, 2, 3], [55, 30, 15]);
    const shares = Array.from({ length: count }, () => 0.25 + r.next());
    const shareSum = shares.reduce((a, b) => a + b, 0);
    let subtotal = 0n;
    let tax = 0n;
    const used = new Set<CatalogItem>();
    for (let i = 0; i < count; i++) {
      let item = r.pick(items);
      for (let k = 0; k < 4 && used.has(item); k++) item = r.pick(items);
      used.add(item);
      const target = (targetUnits * shares[i]!) / shareSum;
      let qty: number;
      let price: bigint;
      if (item.mode === 'service') {
        qty = 1;
        const step = target > 20000 ? 100 : 10;
        price = toMinor(Math.max(step, Math.round(target / step) * step));
      } else {
        const base = usdPrice ? item.price / 7.2 : item.price;
        const raw = base * (item.mode === 'days' ? r.range(0.85, 1.25) : r.range(0.9, 1.12));
        // Price lists use round numbers: 100 yuan steps for big tickets, cents only for small parts.
        const step = raw >= 1000 ? 100 : raw >= 100 ? 1 : raw >= 10 ? 0.1 : 0.01;
        const unit = Math.max(0.01, Math.round(raw / step) * step);
        price = toMinor(unit);
        if (price <= 0n) price = 1n;
        qty = Math.max(1, Math.round(target / Math.max(unit, 0.01)));
        if (qty > 2000) qty = Math.round(qty / 100) * 100;
        else if (qty > 200) qty = Math.round(qty / 10) * 10;
      }
      const amount = price * BigInt(qty);
      const bp = exportZeroRated ? 0 : item.bp;
      const lineTax = taxOf(amount, bp);
      subtotal += amount;
      tax += lineTax;
      doc.lines.push({
        id: this.id(),
        invoice_id: doc.row.id,
        line_no: i + 1,
        description: item.text,
        quantity: String(qty),
        unit_price_minor: price,
        tax_rate: rateText(bp),
        amount_minor: amount,
        tax_minor: lineTax,
      });
    }
    doc.row.subtotal_minor = subtotal;
    doc.row.tax_minor = tax;
    doc.row.total_minor = subtotal + tax;
  }

  private newDoc(party: Party, entity: number, side: 'AR' | 'AP', issue: Day, r: Rng): Doc {
    const row: InvoiceRow = {
      id: this.id(),
      entity_id: this.out.entities[entity]!.id,
      side,
      kind: 'invoice',
      number: '',
      party_id: party.row.id,
      contract_version_id: null,
      order_ref: null,
      einvoice_number: null,
      original_invoice_id: null,
      currency: side === 'AR' ? party.currency : 'CNY',
      issue_date: formatDay(issue),
      subtotal_minor: 0n,
      tax_minor: 0n,
      total_minor: 0n,
      description: null,
      created_by: this.financeId,
      created_at: cstTimestamp(issue, r.int(540, 1110)),
    };
    return {
      row,
      party,
      entity,
      issue,
      lines: [],
      inst: [],
      dues: [],
      open: [],
      ord: this.docOrd++,
      contract: null,
      project: false,
      blocked: false,
      resolvedAfter: null,
      earliestPay: issue,
    };
  }

  private addInstallments(doc: Doc, amounts: bigint[], days: number[], milestones: (string | null)[]): void {
    amounts.forEach((amount, i) => {
      const due = doc.issue + days[i]!;
      doc.inst.push({
        id: this.id(),
        invoice_id: doc.row.id,
        seq: i + 1,
        due_date: formatDay(due),
        amount_minor: amount,
        milestone: milestones[i] ?? null,
      });
      doc.dues.push(due);
      doc.open.push(amount);
    });
  }

  private makeArInvoices(): void {
    const rng = this.root.fork('invoices');
    const total = this.sizes.invoices;
    const n = this.customers.length;
    if (n === 0) return;
    const baseEach = total >= n * 2 ? 1 : 0;
    const rest = BigInt(total - baseEach * n);
    // Volume follows the customer's weight and how long they traded with us in the window.
    const counts = splitByWeights(
      rest,
      this.customers.map((c) => {
        const active = (Math.min(c.until, this.today) - Math.max(c.since, this.start) + 1) / (this.today - this.start + 1);
        return BigInt(Math.max(1, Math.round(c.weight * active * 1000)));
      }),
    ).map((x) => Number(x) + baseEach);

    for (const p of this.customers) {
      const r = rng.fork(`inv-${p.idx}`);
      const count = counts[p.idx]!;
      if (count === 0) continue;
      const dates = this.issueDates(r, p, count, p.industry!.season);
      const docs: Doc[] = [];
      for (const issue of dates) {
        const entity = p.secondaryShare > 0 && r.chance(p.secondaryShare) ? 1 - p.primary : p.primary;
        const doc = this.newDoc(p, entity, 'AR', issue, r);
        docs.push(doc);
      }
      this.planContracts(r, p, docs);
      for (const doc of docs) {
        const usd = p.currency === 'USD';
        let target = p.medianAmount * Math.exp(0.55 * r.normal());
        if (doc.project) target *= r.range(2.5, 5);
        target = Math.max(usd ? 150 : 300, target);
        this.makeLines(r, doc, p.items[doc.entity]!, target, usd, usd);
        const { y, m } = ymd(doc.issue);
        const first = doc.lines[0]!;
        doc.row.description = doc.contract
          ? `${doc.contract.row.title}${doc.project ? '' : ` — ${m}月结算`}`
          : `${y}年${m}月${itemName(first.description)}`;
        if (p.orderStyle === 1 && r.chance(0.8)) doc.row.order_ref = `PO${y}${pad(m, 2)}-${r.int(100, 9999)}`;
        else if (p.orderStyle === 2 && r.chance(0.9)) doc.row.order_ref = `45${r.digits(8, true)}`;
        this.makeArInstallments(r, doc);
        this.arDocs.push(doc);
      }
    }
  }

  private makeArInstallments(r: Rng, doc: Doc): void {
    const p = doc.party;
    const total = doc.row.total_minor;
    const c = doc.contract;
    if (c) {
      let v = c.versions[0]!;
      for (const cand of c.versions) if (doc.issue >= cand.from) v = cand;
      doc.row.contract_version_id = v.row.id;
      if (doc.project) {
        const parts = splitByPercents(
          total,
          v.row.schedule.map((s) => s.percent),
        );
        if (parts.every((x) => x > 0n)) {
          this.addInstallments(
            doc,
            parts,
            v.days,
            v.row.schedule.map((s) => s.name),
          );
          return;
        }
      }
      this.addInstallments(doc, [total], [v.days[0]!], [null]);
      return;
    }
    const terms = p.row.payment_terms_days;
    if (total >= 100000n && r.chance(0.1)) {
      const plan = r.pick([
        { w: [50n, 50n], names: ['首期款', '尾款'] },
        { w: [30n, 70n], names: ['首期款', '尾款'] },
        { w: [40n, 30n, 30n], names: ['第一期', '第二期', '第三期'] },
        { w: [30n, 60n, 10n], names: ['首期款', '二期款', '尾款'] },
      ]);
      const parts = splitByWeights(total, plan.w);
      this.addInstallments(
        doc,
        parts,
        parts.map((_, i) => terms + 30 * i),
        plan.names,
      );
      return;
    }
    this.addInstallments(doc, [total], [terms], [null]);
  }

  /** Framework contracts per year and a few project contracts; assigns docs to them. */
  private planContracts(r: Rng, p: Party, docs: Doc[]): void {
    if (docs.length === 0) return;
    const side = 'AR' as const;
    const terms = p.row.payment_terms_days;
    const category = itemName(p.items[p.primary]![0]!.text);
    // Project contracts first (they take their documents out of the framework).
    const projectChance =
      p.industry!.name === '建筑工程' || p.industry!.name === '信息技术' ? 0.45 : p.currency === 'USD' ? 0 : 0.12;
    if (r.chance(projectChance)) {
      const anchor = r.int(0, docs.length - 1);
      const first = docs[anchor]!;
      const picked = docs.filter((d, i) => i >= anchor && d.issue <= first.issue + 270 && d.entity === first.entity).slice(0, r.int(1, 3));
      const schedules: [string, string, number][][] = [
        [
          ['预付款', '30', 7],
          ['验收款', '60', terms],
          ['质保金', '10', 365],
        ],
        [
          ['首付款', '50', 15],
          ['尾款', '50', terms + 30],
        ],
        [
          ['进度款', '40', terms],
          ['验收款', '55', terms + 60],
          ['质保金', '5', 365],
        ],
      ];
      const sched = r.pick(schedules);
      const projects = ['智慧仓储管理系统', '财务共享中心', '生产执行系统（MES）', '供应链协同平台', '智慧园区弱电', '数据中台', '门店数字化'];
      const title = `${r.pick(projects)}项目${p.industry!.name === '建筑工程' ? '施工' : '实施'}合同`;
      const signed = first.issue - r.int(10, 60);
      const plan = this.newContract(r, p, first.entity, side, title, signed, sched, true);
      if (picked.length >= 2 && r.chance(0.35)) {
        const second = picked[1]!;
        const variant = r.chance(0.5);
        const changed: [string, string, number][] = sched.map(([name, pct, days]) => {
          if (variant && name === '质保金') return [name, pct, 730];
          if (!variant && name.includes('尾款')) return [name, pct, days + 30];
          if (!variant && name === '验收款') return [name, pct, days + 30];
          return [name, pct, days];
        });
        this.addVersion(
          plan,
          second.issue - r.int(1, 10),
          changed,
          variant ? '补充协议：质保期由12个月延长至24个月' : '补充协议：验收款付款期限延长30天',
        );
      }
      for (const d of picked) {
        d.contract = plan;
        d.project = true;
        plan.docs.push(d);
      }
    }
    // Annual framework agreements.
    const frameworkChance = p.big ? 0.95 : p.currency === 'USD' ? 0.6 : 0.5;
    if (!r.chance(frameworkChance)) return;
    const years = [...new Set(docs.map((d) => ymd(d.issue).y))];
    for (const y of years) {
      const inYear = docs.filter((d) => ymd(d.issue).y === y && !d.project && d.entity === p.primary);
      if (inYear.length === 0 || !r.chance(0.85)) continue;
      const signed = Math.min(inYear[0]!.issue - r.int(3, 30), dayOf(y, 1, 1) + r.int(0, 20));
      const title = `${y}年度${category}${p.currency === 'USD' ? '出口销售' : '采购'}框架协议`;
      const plan = this.newContract(r, p, p.primary, side, title, signed, [['货款', '100', terms]], false);
      if (inYear.length >= 6 && r.chance(0.2)) {
        const from = inYear[Math.floor(inYear.length / 2)]!.issue;
        const newDays = terms >= 90 ? 60 : terms + 30;
        this.addVersion(
          plan,
          from,
          [['货款', '100', newDays]],
          `补充协议：付款期限由${terms}天调整为${newDays}天`,
        );
      }
      for (const d of inYear) {
        if (r.chance(0.92)) {
          d.contract = plan;
          plan.docs.push(d);
        }
      }
    }
  }

  private newContract(
    r: Rng,
    p: Party,
    entity: number,
    side: 'AR' | 'AP',
    title: string,
    signed: Day,
    schedule: [string, string, number][],
    project: boolean,
  ): ContractPlan {
    const row: ContractRow = {
      id: this.id(),
      entity_id: this.out.entities[entity]!.id,
      side,
      number: '',
      party_id: p.row.id,
      title,
      currency: side === 'AR' ? p.currency : 'CNY',
      current_version: 1,
      signed_on: formatDay(signed),
      created_at: cstTimestamp(signed, r.int(540, 1080)),
    };
    const plan: ContractPlan = { row, versions: [], party: p, docs: [], project };
    this.contracts.push(plan);
    this.addVersion(plan, signed, schedule, null);
    return plan;
  }

  private addVersion(plan: ContractPlan, from: Day, schedule: [string, string, number][], note: string | null): void {
    const version = plan.versions.length + 1;
    plan.row.current_version = version;
    const row: ContractVersionRow = {
      id: this.id(),
      contract_id: plan.row.id,
      version,
      total_minor: 0n,
      schedule: schedule.map(([name, percent, days]) => ({
        name,
        percent,
        dueRule: { kind: 'days_after_invoice', days },
      })),
      valid_from: formatDay(from),
      note,
      created_at: cstTimestamp(from, 600),
    };
    plan.versions.push({ row, from, days: schedule.map((s) => s[2]) });
  }

  private numberArInvoices(): void {
    const rng = this.root.fork('numbers');
    const sorted = [...this.arDocs].sort((a, b) => a.issue - b.issue || a.ord - b.ord);
    this.arDocs = sorted;
    const counters = new Map<string, number>();
    for (const d of sorted) {
      const key = yy(d.issue);
      const n = (counters.get(key) ?? 0) + 1;
      counters.set(key, n);
      d.row.number = `INV${key}-${pad(n, 6)}`;
      if (rng.chance(0.93)) d.row.einvoice_number = this.einvoice(rng, d.issue, ENTITY_DEFS[d.entity]!.taxCode);
    }
  }

  private einvoice(rng: Rng, day: Day, taxCode: string): string {
    const key = `${yy(day)}${taxCode}`;
    const prev = this.einvCounters.get(key) ?? rng.int(1_000_000_000, 9_000_000_000);
    const next = prev + rng.int(1, 4000);
    this.einvCounters.set(key, next);
    return `${key}2${pad(next, 15)}`;
  }

  // -------------------------------------------------------------------------------------------
  // AR cash: credit notes, disputes, receipts and allocations
  // -------------------------------------------------------------------------------------------

  private delay(r: Rng, p: Party, due: Day): number {
    switch (p.profile) {
      case 'prompt':
        return Math.round(r.normal() * 3 - 1);
      case 'slight':
        return Math.round(3 + Math.abs(r.normal()) * 7);
      case 'late':
        return r.int(20, 60) + (r.chance(0.15) ? 30 : 0);
      case 'lump':
        return r.int(0, 10);
      case 'partial':
        return Math.round(2 + Math.abs(r.normal()) * 10);
      case 'default': {
        const d = p.defaultFrom!;
        const drift = d - 150;
        if (due < drift) return Math.round(3 + Math.abs(r.normal()) * 8);
        const frac = (due - drift) / 150;
        return Math.round(10 + frac * 70 + r.range(0, 20));
      }
    }
  }

  private snap(p: Party, day: Day): Day {
    if (p.batch === 'weekly') {
      const w = weekday(day);
      return day + ((p.payWeekday - w + 7) % 7);
    }
    if (p.batch === 'monthly') {
      const { y, m, d } = ymd(day);
      if (d <= p.payday) return dayOf(y, m, Math.min(p.payday, daysInMonth(y, m)));
      const next = addMonths(dayOf(y, m, 1), 1);
      const n = ymd(next);
      return dayOf(n.y, n.m, Math.min(p.payday, daysInMonth(n.y, n.m)));
    }
    return day;
  }

  private makeCreditNote(r: Rng, doc: Doc): void {
    const cnDay = doc.issue + r.int(3, 30);
    if (cnDay > this.today) return;
    const full = r.chance(0.3);
    const cn = this.newDoc(doc.party, doc.entity, 'AR', cnDay, r);
    cn.row.kind = 'credit_note';
    cn.row.original_invoice_id = doc.row.id;
    cn.row.order_ref = doc.row.order_ref;
    let subtotal = 0n;
    let tax = 0n;
    if (full) {
      doc.lines.forEach((l, i) => {
        cn.lines.push({ ...l, id: this.id(), invoice_id: cn.row.id, line_no: i + 1 });
      });
      subtotal = doc.row.subtotal_minor;
      tax = doc.row.tax_minor;
      cn.row.description = `${r.pick(CREDIT_REASONS_FULL)}（原发票 ${doc.row.number}）`;
    } else {
      const l = doc.lines[0]!;
      const amount = (l.amount_minor * BigInt(r.int(5, 30))) / 100n;
      if (amount <= 0n) return;
      const bp = Math.round(Number(l.tax_rate) * 10000);
      const lineTax = taxOf(amount, bp);
      cn.lines.push({
        id: this.id(),
        invoice_id: cn.row.id,
        line_no: 1,
        description: l.description,
        quantity: '1',
        unit_price_minor: amount,
        tax_rate: l.tax_rate,
        amount_minor: amount,
        tax_minor: lineTax,
      });
      subtotal = amount;
      tax = lineTax;
      cn.row.description = `${r.pick(CREDIT_REASONS_PARTIAL)}（原发票 ${doc.row.number}）`;
    }
    cn.row.subtotal_minor = subtotal;
    cn.row.tax_minor = tax;
    cn.row.total_minor = subtotal + tax;
    const cnTotal = cn.row.total_minor;
    this.addInstallments(cn, [cnTotal], [0], [null]);
    cn.open[0] = 0n;
    // Apply against the original's installments from the last one backwards.
    let left = cnTotal;
    const rows: AllocationRow[] = [];
    for (let i = doc.inst.length - 1; i >= 0 && left > 0n; i--) {
      const take = doc.open[i]! < left ? doc.open[i]! : left;
      if (take <= 0n) continue;
      doc.open[i]! -= take;
      left -= take;
      rows.push(this.allocation(doc, i, 'credit_note', take, cnDay, { sourceInstallment: cn.inst[0]!.id }));
    }
    if (left !== 0n) throw new Error('credit note exceeds the invoice');
    doc.earliestPay = Math.max(doc.earliestPay, cnDay + 1);
    this.creditDocs.push(cn);
    this.creditAllocs.push({ day: cnDay, ord: cn.ord, rows });
  }

  private allocation(
    doc: Doc,
    seq: number,
    kind: AllocationRow['source_kind'],
    amount: bigint,
    day: Day,
    src: { receipt?: string; sourceInstallment?: string; adjustment?: AllocationRow['adjustment_kind']; reason?: string },
  ): AllocationRow {
    return {
      id: this.id(),
      entity_id: doc.row.entity_id,
      side: doc.row.side,
      target_installment_id: doc.inst[seq]!.id,
      source_kind: kind,
      source_receipt_id: src.receipt ?? null,
      source_installment_id: src.sourceInstallment ?? null,
      adjustment_kind: src.adjustment ?? null,
      amount_minor: amount,
      source_amount_minor: amount,
      effective_date: formatDay(day),
      method: 'demo',
      reason: src.reason ?? null,
      created_by: this.financeId,
      created_at: cstTimestamp(day, 17 * 60 + (seq % 50)),
    };
  }

  private simulateAr(): void {
    const rng = this.root.fork('cash');
    // Credit notes and disputes first: they decide what is left to pay and when.
    for (const doc of this.arDocs) {
      const r = rng.fork(`doc-${doc.ord}`);
      if (r.chance(0.02)) this.makeCreditNote(r, doc);
      const remaining = doc.open.reduce((a, b) => a + b, 0n);
      if (remaining === 0n) continue;
      if (r.chance(0.003)) {
        const opened = Math.min(this.today, doc.issue + r.int(5, 40));
        const age = this.today - doc.issue;
        const unresolved = age < 400 ? r.chance(0.6) : r.chance(0.2);
        const resolvedOn = unresolved ? null : opened + r.int(7, 60);
        if (resolvedOn !== null && resolvedOn > this.today) {
          doc.blocked = true;
        } else if (resolvedOn === null) {
          doc.blocked = true;
        } else {
          doc.resolvedAfter = resolvedOn;
        }
        this.out.disputes.push({
          id: this.id(),
          invoice_id: doc.row.id,
          opened_on: formatDay(opened),
          resolved_on: resolvedOn !== null && resolvedOn <= this.today ? formatDay(resolvedOn) : null,
          reason: r.pick(DISPUTE_REASONS),
          created_by: this.financeId,
          created_at: cstTimestamp(opened, r.int(540, 1080)),
        });
      } else if (r.chance(0.0025)) {
        doc.blocked = true; // forgotten, never chased: the tail beyond a year
      }
    }

    const byParty = new Map<Party, Doc[]>();
    for (const d of this.arDocs) {
      const list = byParty.get(d.party) ?? [];
      list.push(d);
      byParty.set(d.party, list);
    }
    let ord = 0;
    for (const p of this.customers) {
      const docs = byParty.get(p) ?? [];
      const r = rng.fork(`pay-${p.idx}`);
      const intents: Intent[] = [];
      for (const doc of docs) {
        if (doc.blocked) continue;
        doc.inst.forEach((_, seq) => {
          const open = doc.open[seq]!;
          if (open <= 0n) return;
          const due = doc.dues[seq]!;
          const delay = this.delay(r, p, due);
          let day = Math.max(due + delay, doc.earliestPay, doc.issue);
          if (doc.resolvedAfter !== null) day = Math.max(day, doc.resolvedAfter + r.int(2, 10));
          const splitChance = p.profile === 'partial' ? 0.35 : 0.02;
          if (open >= 1000n && r.chance(splitChance)) {
            const firstPart = (open * BigInt(r.int(30, 80))) / 100n;
            intents.push({ doc, seq, amount: firstPart, date: day, partial: true });
            if (!r.chance(p.profile === 'partial' ? 0.2 : 0.1)) {
              intents.push({ doc, seq, amount: open - firstPart, date: day + r.int(15, 75), partial: true });
            }
          } else {
            intents.push({ doc, seq, amount: open, date: day, partial: false });
          }
        });
      }
      // Snap to the customer's payment rhythm, move to a bank day, drop what lies in the future.
      const kept: Intent[] = [];
      for (const it of intents) {
        const day = nextBusinessDay(this.snap(p, it.date));
        if (day > this.today) continue;
        if (p.defaultFrom !== null && day >= p.defaultFrom) continue;
        it.date = day;
        kept.push(it);
      }
      // A defaulting customer still sends a token payment now and then.
      if (p.defaultFrom !== null && r.chance(0.6)) {
        const when = nextBusinessDay(p.defaultFrom + r.int(20, 120));
        if (when <= this.today) {
          const paid = new Map<string, bigint>();
          for (const it of kept) paid.set(`${it.doc.ord}/${it.seq}`, (paid.get(`${it.doc.ord}/${it.seq}`) ?? 0n) + it.amount);
          const oldest = docs
            .filter((d) => !d.blocked && d.dues[0]! < when)
            .find((d) => (paid.get(`${d.ord}/0`) ?? 0n) < d.open[0]!);
          if (oldest) {
            const left = oldest.open[0]! - (paid.get(`${oldest.ord}/0`) ?? 0n);
            const part = (left * BigInt(r.int(20, 60))) / 100n;
            if (part > 0n) kept.push({ doc: oldest, seq: 0, amount: part, date: when, partial: true });
          }
        }
      }
      // Group into receipts: one per entity, currency and day.
      const groups = new Map<string, Intent[]>();
      for (const it of kept.sort((a, b) => a.date - b.date || a.doc.ord - b.doc.ord || a.seq - b.seq)) {
        const key = `${it.doc.entity}|${it.date}`;
        const g = groups.get(key) ?? [];
        g.push(it);
        groups.set(key, g);
      }
      for (const g of groups.values()) {
        this.arReceipts.push(this.makeArReceipt(r, p, g, ord++));
      }
      // Prepayments on account now and then (new orders), recent enough not to be applied yet.
      if (docs.length > 0 && p.profile !== 'default' && p.until >= this.today - 30 && r.chance(0.025)) {
        const day = prevBusinessDay(this.today - r.int(0, 60));
        if (day >= this.start) {
          const amount = toMinor(Math.max(5, Math.round((p.medianAmount * r.range(0.5, 3)) / 1000)) * 1000);
          this.arReceipts.push(
            this.receiptShell(r, p, docs[docs.length - 1]!.entity, day, amount, ord++, r.pick(['预付货款', '预付款', '订金'])),
          );
        }
      }
    }
    this.makeUnidentified(rng.fork('unidentified'), ord);
  }

  private receiptShell(
    r: Rng,
    p: Party,
    entity: number,
    day: Day,
    amount: bigint,
    ord: number,
    remittance: string | null,
  ): PendingReceipt {
    const variant = r.next();
    let name = p.row.name;
    let account = p.accounts.length > 0 ? r.pick(p.accounts).account_no : null;
    if (variant < 0.07) name = p.row.short_name;
    else if (variant < 0.1) name = name.replace('（', '(').replace('）', ')');
    else if (variant < 0.16 && p.parent) {
      name = p.parent.row.name;
      account = p.parent.accounts[0]?.account_no ?? account;
      remittance = `代${p.row.short_name}付款${remittance ? ` ${remittance}` : ''}`;
    }
    const draft = p.industry !== null && r.chance(p.industry.draftShare * 0.4);
    const row: ReceiptRow = {
      id: this.id(),
      entity_id: this.out.entities[entity]!.id,
      side: 'AR',
      number: '',
      party_id: p.row.id,
      receipt_date: formatDay(day),
      currency: p.currency,
      amount_minor: amount,
      method: draft ? 'draft' : 'bank_transfer',
      bank_account: ENTITY_DEFS[entity]!.accounts[p.currency]!,
      counterparty_name: name,
      counterparty_account: account,
      remittance: draft ? `银行承兑汇票背书转让${remittance ? ` ${remittance}` : ''}` : remittance,
      bank_reference: '',
      created_by: this.financeId,
      created_at: cstTimestamp(day, r.int(540, 1050)),
    };
    return { row, day, ord, allocs: [] };
  }

  private remittance(r: Rng, p: Party, g: Intent[]): string | null {
    const numbers = [...new Set(g.map((it) => it.doc.row.number))];
    const months = [...new Set(g.map((it) => ymd(it.doc.issue).m))];
    const generic =
      p.industry?.name === '建筑工程'
        ? '工程款'
        : p.industry?.name === '信息技术'
          ? r.pick(['服务费', '软件款', '技术服务费'])
          : r.pick(['货款', '货款', '采购款', '往来款']);
    if (g.some((it) => it.partial) && r.chance(0.5)) return r.pick(['部分货款', '分期付款', '付部分款']);
    const x = r.next();
    if (x < 0.35) {
      const shown = numbers.slice(0, 3).join('、');
      return numbers.length > 3 ? `${generic} ${shown}等` : r.chance(0.5) ? `${generic} ${shown}` : `付${shown}`;
    }
    if (x < 0.6) {
      return `支付${months.slice(0, 3).join('、')}月${generic}`;
    }
    if (x < 0.9) return generic;
    return null;
  }

  private makeArReceipt(r: Rng, p: Party, g: Intent[], ord: number): PendingReceipt {
    const first = g[0]!;
    const day = first.date;
    let sum = 0n;
    for (const it of g) sum += it.amount;
    const shell = this.receiptShell(r, p, first.doc.entity, day, sum, ord, this.remittance(r, p, g));
    const rec = shell.row;
    // Two parts of one installment can fall on the same day: one allocation line for both.
    const lines: { it: Intent; amount: bigint }[] = [];
    for (const it of g) {
      const same = lines.find((l) => l.it.doc === it.doc && l.it.seq === it.seq);
      if (same) same.amount += it.amount;
      else lines.push({ it, amount: it.amount });
    }
    let adjust: { it: Intent; amount: bigint; kind: 'bank_fee' | 'small_difference'; reason: string } | null = null;
    const last = lines[lines.length - 1]!;
    const x = r.next();
    const feeShare = p.currency === 'USD' ? 0.35 : 0.02;
    if (x < feeShare) {
      const fee = p.currency === 'USD' ? BigInt(r.int(15, 40)) * 100n : BigInt(r.pick([5, 10, 15, 20, 25, 50])) * 100n;
      if (last.amount > fee * 5n) {
        last.amount -= fee;
        rec.amount_minor -= fee;
        adjust = { it: last.it, amount: fee, kind: 'bank_fee', reason: p.currency === 'USD' ? '境外汇款中转行扣收手续费' : '银行手续费（客户汇款扣费）' };
      }
    } else if (x < feeShare + 0.015) {
      const diff = BigInt(r.int(1, 999));
      if (last.amount > diff * 5n) {
        last.amount -= diff;
        rec.amount_minor -= diff;
        adjust = {
          it: last.it,
          amount: diff,
          kind: 'small_difference',
          reason: `尾差核销：客户少付${formatAmount(diff, p.currency)}${p.currency === 'USD' ? '美元' : '元'}`,
        };
      }
    } else if (x < feeShare + 0.03) {
      rec.amount_minor += BigInt(r.int(1, 500)); // rounded up by the customer: a small unapplied rest
    } else if (x < feeShare + 0.04 && day >= this.today - 120) {
      rec.amount_minor += toMinor(r.int(5, 50) * 1000);
      rec.remittance = `${rec.remittance ?? '货款'}及预付款`;
    }
    // Cash application lags behind the bank statement: the last few days are partly unapplied.
    const age = this.today - day;
    if (age <= 6 && r.chance(0.2)) return shell;
    let apply = lines;
    if (age <= 20 && lines.length >= 2 && r.chance(0.15)) {
      apply = lines.slice(0, -1);
      adjust = null;
    }
    for (const l of apply) {
      shell.allocs.push(this.allocation(l.it.doc, l.it.seq, 'receipt', l.amount, day, { receipt: rec.id }));
    }
    const adj = adjust;
    if (adj && apply.some((l) => l.it === adj.it)) {
      shell.allocs.push(
        this.allocation(adj.it.doc, adj.it.seq, 'adjustment', adj.amount, day, {
          adjustment: adj.kind,
          reason: adj.reason,
        }),
      );
    }
    return shell;
  }

  private makeUnidentified(r: Rng, ordStart: number): void {
    let ord = ordStart;
    const count = Math.max(3, Math.round(this.arReceipts.length * 0.003));
    // Open installments that a payer might be settling without telling us who they are.
    const applied = new Map<string, bigint>();
    for (const rec of this.arReceipts) for (const a of rec.allocs) applied.set(a.target_installment_id, (applied.get(a.target_installment_id) ?? 0n) + a.amount_minor);
    const open = this.arDocs.filter(
      (d) => !d.blocked && d.dues[0]! < this.today && d.dues[0]! > this.today - 120 && d.inst.length === 1 && (applied.get(d.inst[0]!.id) ?? 0n) === 0n && d.open[0] === d.inst[0]!.amount_minor,
    );
    for (let i = 0; i < count; i++) {
      const day = prevBusinessDay(this.today - r.int(0, 45));
      const mirror = open.length > 0 && r.chance(0.5) ? open[r.int(0, open.length - 1)]! : null;
      const entity = mirror ? mirror.entity : r.chance(0.7) ? 0 : 1;
      const currency = mirror ? mirror.row.currency : 'CNY';
      const amount = mirror ? mirror.open[0]! : toMinor(r.int(2, 300) * 100);
      const name = r.chance(0.5)
        ? personName(r)
        : mirror && r.chance(0.6)
          ? `${mirror.party.trade}${r.pick(['商行', '贸易部', '经营部'])}`
          : `${r.pick(PROVINCES).cities[0]!.name}${r.pick(TRADE_NAMES)[0]}${r.pick(['商贸', '实业', '科技'])}有限公司`;
      const row: ReceiptRow = {
        id: this.id(),
        entity_id: this.out.entities[entity]!.id,
        side: 'AR',
        number: '',
        party_id: null,
        receipt_date: formatDay(day),
        currency,
        amount_minor: amount,
        method: 'bank_transfer',
        bank_account: ENTITY_DEFS[entity]!.accounts[currency]!,
        counterparty_name: name,
        counterparty_account: r.digits(r.pick([16, 19])),
        remittance: mirror && r.chance(0.4) ? `货款 ${mirror.row.number}` : r.pick(['货款', '往来款', '付款', '转账', null]),
        bank_reference: '',
        created_by: this.financeId,
        created_at: cstTimestamp(day, r.int(540, 1050)),
      };
      this.arReceipts.push({ row, day, ord: ord++, allocs: [] });
    }
  }

  // -------------------------------------------------------------------------------------------
  // AP: bills and payment runs
  // -------------------------------------------------------------------------------------------

  private makeAp(): void {
    const rng = this.root.fork('ap');
    if (this.suppliers.length === 0) return;
    const slots = this.monthSlots();
    const recurring = this.suppliers.filter((s) => s.supplierKind!.recurring);
    const others = this.suppliers.filter((s) => !s.supplierKind!.recurring);
    const target = Math.max(this.suppliers.length * 3, Math.round(this.sizes.invoices * 0.12));
    const recurringCount = recurring.length * slots.length;
    const rest = Math.max(others.length, target - recurringCount);
    const counts =
      others.length > 0
        ? splitByWeights(
            BigInt(rest),
            others.map((s) => BigInt(Math.max(1, Math.round(s.weight * 1000)))),
          )
        : [];
    const makeBill = (r: Rng, s: Party, entity: number, issue: Day, plan: ContractPlan | null, fixed: bigint | null) => {
      const doc = this.newDoc(s, entity, 'AP', issue, r);
      const kind = s.supplierKind!;
      if (fixed !== null) {
        const [text, bp] = kind.items[0]!;
        const tax = taxOf(fixed, bp);
        doc.lines.push({
          id: this.id(),
          invoice_id: doc.row.id,
          line_no: 1,
          description: text,
          quantity: '1',
          unit_price_minor: fixed,
          tax_rate: rateText(bp),
          amount_minor: fixed,
          tax_minor: tax,
        });
        doc.row.subtotal_minor = fixed;
        doc.row.tax_minor = tax;
        doc.row.total_minor = fixed + tax;
      } else {
        const items: CatalogItem[] = kind.items.map(([text, bp, typical]) => ({
          text,
          bp,
          mode: 'service',
          price: typical,
          weight: 1,
        }));
        const typical = kind.items[0]![2];
        this.makeLines(r, doc, items, typical * Math.exp(0.6 * r.normal()) * (0.5 + s.weight / 4), false, false);
      }
      const { y, m } = ymd(issue);
      doc.row.description = `${y}年${m}月${itemName(doc.lines[0]!.description)}`;
      if (plan) {
        doc.contract = plan;
        doc.row.contract_version_id = plan.versions[plan.versions.length - 1]!.row.id;
        plan.docs.push(doc);
      }
      const days = plan ? plan.versions[0]!.days[0]! : s.apTerms;
      if (doc.row.total_minor >= 200000n * 100n && r.chance(0.3)) {
        this.addInstallments(doc, splitByWeights(doc.row.total_minor, [50n, 50n]), [days, days + 30], ['首期款', '尾款']);
      } else {
        this.addInstallments(doc, [doc.row.total_minor], [days], [null]);
      }
      this.apDocs.push(doc);
    };

    for (const s of recurring) {
      const r = rng.fork(`rec-${s.row.code}`);
      const entity = r.chance(0.5) ? 0 : 1;
      const kind = s.supplierKind!;
      const titles: Record<string, string> = { staffing: '劳务派遣服务协议', property: '物业服务合同', rent: '办公场地租赁合同' };
      const plan = this.newContract(r, s, entity, 'AP', titles[kind.key] ?? '服务合同', this.start - r.int(30, 300), [['月度费用', '100', s.apTerms]], false);
      let monthly = toMinor(Math.round((kind.items[0]![2] * r.range(0.6, 1.6)) / 100) * 100);
      let lastYear = ymd(this.start).y;
      for (const slot of slots) {
        const issue = nextBusinessDay(dayOf(slot.y, slot.m, r.int(1, 5)));
        if (issue > this.today || issue < this.start) continue;
        if (slot.y !== lastYear) {
          lastYear = slot.y;
          monthly = ((monthly * 103n) / 10000n) * 100n; // 3 % a year, in whole yuan
        }
        makeBill(r, s, entity, issue, plan, monthly);
      }
    }
    others.forEach((s, i) => {
      const r = rng.fork(`bill-${s.row.code}`);
      const count = Number(counts[i] ?? 0n);
      const entity = s.prov.region === '华南' ? 1 : r.chance(0.65) ? 0 : 1;
      let plan: ContractPlan | null = null;
      if (r.chance(0.5)) {
        plan = this.newContract(r, s, entity, 'AP', `${itemName(s.supplierKind!.items[0]![0])}采购框架协议`, this.start - r.int(0, 200), [['货款', '100', s.apTerms]], false);
      }
      const dates = this.issueDates(r, s, count, CUSTOMER_INDUSTRIES[0]!.season);
      for (const d of dates) makeBill(r, s, r.chance(0.85) ? entity : 1 - entity, d, plan && r.chance(0.9) ? plan : null, null);
    });

    // Numbers and 数电票 numbers from the supplier's province.
    const nrng = rng.fork('numbers');
    this.apDocs.sort((a, b) => a.issue - b.issue || a.ord - b.ord);
    const counters = new Map<string, number>();
    for (const d of this.apDocs) {
      const key = yy(d.issue);
      const n = (counters.get(key) ?? 0) + 1;
      counters.set(key, n);
      d.row.number = `AP${key}-${pad(n, 6)}`;
      d.row.einvoice_number = this.einvoice(nrng, d.issue, d.party.prov.taxCode);
    }

    // Payment runs on the 10th and 25th (the business day before when on a weekend).
    const runs: Day[] = [];
    for (const slot of slots) {
      for (const dom of [10, 25]) {
        const d = prevBusinessDay(dayOf(slot.y, slot.m, dom));
        if (d >= this.start && d <= this.today) runs.push(d);
      }
    }
    const prng = rng.fork('runs');
    const intents: Intent[] = [];
    for (const doc of this.apDocs) {
      const held = prng.chance(0.015);
      doc.inst.forEach((_, seq) => {
        const due = doc.dues[seq]!;
        let ready = due - 5;
        if (held) ready = doc.issue > this.today - 150 ? this.today + 1 : due + prng.int(30, 120);
        else if (prng.chance(0.08)) ready = due + 14;
        const run = runs.find((d) => d >= ready && d >= doc.issue);
        if (run !== undefined) intents.push({ doc, seq, amount: doc.open[seq]!, date: run, partial: false });
      });
    }
    const groups = new Map<string, Intent[]>();
    for (const it of intents.sort((a, b) => a.date - b.date || a.doc.ord - b.doc.ord || a.seq - b.seq)) {
      const key = `${it.date}|${it.doc.party.idx}|${it.doc.entity}`;
      const g = groups.get(key) ?? [];
      g.push(it);
      groups.set(key, g);
    }
    let ord = 0;
    for (const g of groups.values()) {
      const first = g[0]!;
      const s = first.doc.party;
      let sum = 0n;
      for (const it of g) sum += it.amount;
      const numbers = [...new Set(g.map((it) => it.doc.row.number))];
      const kind = s.supplierKind!;
      const label = kind.recurring ? itemName(kind.items[0]![0]).replace('服务', '') : '货款';
      const row: ReceiptRow = {
        id: this.id(),
        entity_id: this.out.entities[first.doc.entity]!.id,
        side: 'AP',
        number: '',
        party_id: s.row.id,
        receipt_date: formatDay(first.date),
        currency: 'CNY',
        amount_minor: sum,
        method: 'bank_transfer',
        bank_account: ENTITY_DEFS[first.doc.entity]!.accounts['CNY']!,
        counterparty_name: s.row.name,
        counterparty_account: s.accounts[0]?.account_no ?? null,
        remittance:
          numbers.length === 1
            ? `支付${label} ${numbers[0]}`
            : `支付${[...new Set(g.map((it) => ymd(it.doc.issue).m))].join('、')}月${label}`,
        bank_reference: '',
        created_by: this.financeId,
        created_at: cstTimestamp(first.date, prng.int(600, 1000)),
      };
      const pr: PendingReceipt = { row, day: first.date, ord: ord++, allocs: [] };
      for (const it of g) pr.allocs.push(this.allocation(it.doc, it.seq, 'receipt', it.amount, first.date, { receipt: row.id }));
      this.apPayments.push(pr);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Final ordering, numbering, contract totals, credit limits
  // -------------------------------------------------------------------------------------------

  private finish(): void {
    const rng = this.root.fork('finish');
    // Credit notes: numbers and 数电票 numbers.
    this.creditDocs.sort((a, b) => a.issue - b.issue || a.ord - b.ord);
    const cnCounters = new Map<string, number>();
    for (const d of this.creditDocs) {
      const key = yy(d.issue);
      const n = (cnCounters.get(key) ?? 0) + 1;
      cnCounters.set(key, n);
      d.row.number = `CN${key}-${pad(n, 6)}`;
      d.row.einvoice_number = this.einvoice(rng, d.issue, ENTITY_DEFS[d.entity]!.taxCode);
    }

    // Receipts and payments: numbers and bank references in date order.
    const all = [...this.arReceipts, ...this.apPayments.map((p) => ({ ...p, ord: p.ord + 10_000_000 }))].sort(
      (a, b) => a.day - b.day || a.ord - b.ord,
    );
    const recCounters = new Map<string, number>();
    const refCounters = new Map<Day, number>();
    for (const rec of all) {
      const prefix = rec.row.side === 'AR' ? 'RC' : 'PY';
      const key = `${prefix}${yy(rec.day)}`;
      const n = (recCounters.get(key) ?? 0) + 1;
      recCounters.set(key, n);
      rec.row.number = `${key}-${pad(n, 6)}`;
      const ref = (refCounters.get(rec.day) ?? 0) + 1;
      refCounters.set(rec.day, ref);
      rec.row.bank_reference = `B${formatDay(rec.day).replaceAll('-', '')}${pad(ref, 5)}`;
      this.out.receipts.push(rec.row);
    }

    // Allocations in effective-date order: credit notes and receipts interleaved.
    const allocGroups: { day: Day; ord: number; rows: AllocationRow[] }[] = [
      ...this.creditAllocs.map((c) => ({ day: c.day, ord: c.ord, rows: c.rows })),
      ...all.map((r) => ({ day: r.day, ord: 20_000_000 + r.ord, rows: r.allocs })),
    ].sort((a, b) => a.day - b.day || a.ord - b.ord);
    for (const g of allocGroups) for (const a of g.rows) this.out.allocations.push(a);

    // Contract numbers and totals.
    this.contracts.sort((a, b) => (a.row.signed_on < b.row.signed_on ? -1 : a.row.signed_on > b.row.signed_on ? 1 : 0));
    const cCounters = new Map<string, number>();
    for (const c of this.contracts) {
      const signed = parseDay(c.row.signed_on);
      const ent = this.out.entities.find((e) => e.id === c.row.entity_id)!;
      const key = `${ent.code}-${c.row.side === 'AR' ? 'XS' : 'CG'}-${ymd(signed).y}`;
      const n = (cCounters.get(key) ?? 0) + 1;
      cCounters.set(key, n);
      c.row.number = `${key}-${pad(n, 4)}`;
      let billed = 0n;
      for (const d of c.docs) billed += d.row.total_minor;
      const unit = c.row.currency === 'USD' ? 100_000n : 1_000_000n; // 1,000 USD / 10,000 CNY
      const base = billed > 0n ? billed : unit * BigInt(rng.int(5, 50));
      const estimate = ((base * BigInt(rng.int(100, 125))) / 100n / unit + 1n) * unit;
      // A second version usually raised the volume: version 1 was agreed at about 85 %.
      const earlier = ((estimate * 85n) / 100n / unit) * unit;
      c.versions.forEach((v, i) => {
        v.row.total_minor = i === 0 && c.versions.length > 1 && earlier > 0n ? earlier : estimate;
      });
      this.out.contracts.push(c.row);
      for (const v of c.versions) this.out.contractVersions.push(v.row);
    }

    // Credit limits from what the customer buys.
    const months = (this.today - this.start) / 30.4;
    const billedBy = new Map<Party, bigint>();
    for (const d of this.arDocs) billedBy.set(d.party, (billedBy.get(d.party) ?? 0n) + d.row.total_minor);
    for (const p of this.customers) {
      const r = rng.fork(`limit-${p.idx}`);
      if (r.chance(0.05)) continue;
      const unit = p.currency === 'USD' ? 1_000_000n : 5_000_000n; // 10,000 USD / 50,000 CNY
      const billed = billedBy.get(p) ?? 0n;
      const active = Math.max(1, (Math.min(p.until, this.today) - Math.max(p.since, this.start)) / 30.4);
      const monthly = billed / BigInt(Math.max(1, Math.round(Math.min(months, active))));
      const factor = BigInt(Math.round((p.row.payment_terms_days / 30 + 1) * r.range(1.1, 1.6) * 100));
      p.row.credit_limit_minor = ((monthly * factor) / 100n / unit + 1n) * unit;
    }

    // Rows, originals before credit notes.
    this.out.parties = [...this.customers.map((p) => p.row), ...this.suppliers.filter((s) => !s.row.is_customer).map((s) => s.row)];
    for (const d of [...this.arDocs, ...this.apDocs, ...this.creditDocs]) {
      this.out.invoices.push(d.row);
      for (const l of d.lines) this.out.lines.push(l);
      for (const i of d.inst) this.out.installments.push(i);
    }
    this.out.disputes.sort((a, b) => (a.opened_on < b.opened_on ? -1 : a.opened_on > b.opened_on ? 1 : 0));
  }
}

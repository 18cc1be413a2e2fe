/**
 * Scenario generator for the reconciliation bench, with ground truth. Seeded (mulberry32): the
 * same seed gives the same scenario on every machine.
 *
 * Parties: Chinese companies (city + core + legal form, some with an English name and a short
 * name, traps with the same core in two cities), English-only foreign customers paying in USD,
 * and groups (a head office with 2–6 subsidiaries). Open installments: invoices numbered
 * INV{yy}-{serial} in batches (so ranges exist), some with 2–3 installments, contract and order
 * numbers, some customers billing the same amount every month, some invoices already part-paid.
 *
 * Lines cover every difficulty (see KIND_WEIGHTS) and every payer identity (known account, exact
 * name, name variant — city moved, bracket styles, other legal form, English, short — truncated
 * name, an account only memory knows). Ground truth per line: the paying party (or none) and the
 * exact allocations, adjustment and on-account rest; `identifiable` says whether the data can
 * determine it at all (e.g. not when two combinations give the same amount).
 */
import { MatchMemory } from '../../src/domain/matching/memory';
import { subsetSum } from '../../src/domain/matching/subset';
import type {
  BankLine,
  OpenItem,
  PartyProfile,
  RemittanceAdvice,
  RemittanceAdviceLine,
} from '../../src/domain/matching/types';
import { addDays } from '../../src/domain/dates';

export type LineKind =
  | 'ref_full'
  | 'ref_digits'
  | 'ref_multi'
  | 'ref_range'
  | 'ref_typo'
  | 'contract_ref'
  | 'exact_amount'
  | 'combination'
  | 'partial_ref'
  | 'partial_noref'
  | 'overpayment'
  | 'fee_short'
  | 'discount'
  | 'lump_advice'
  | 'lump_noadvice'
  | 'parent_sub'
  | 'memory_payer'
  | 'stranger_interest'
  | 'stranger_tax'
  | 'stranger_personal'
  | 'stranger_company'
  | 'duplicate'
  | 'unidentifiable';

export const KIND_WEIGHTS: Readonly<Record<LineKind, number>> = {
  ref_full: 13,
  ref_digits: 5,
  ref_multi: 6,
  ref_range: 3,
  ref_typo: 5,
  contract_ref: 3,
  exact_amount: 12,
  combination: 7,
  partial_ref: 4,
  partial_noref: 3,
  overpayment: 3,
  fee_short: 5,
  discount: 3,
  lump_advice: 2,
  lump_noadvice: 2,
  parent_sub: 3,
  memory_payer: 3,
  stranger_interest: 2,
  stranger_tax: 1,
  stranger_personal: 2,
  stranger_company: 2,
  duplicate: 3,
  unidentifiable: 3,
};

export type Identity = 'account' | 'name' | 'variant' | 'truncated' | 'memory' | 'none';

export interface Truth {
  lineId: string;
  kind: LineKind;
  identity: Identity;
  /** What a perfect engine does: book it, flag a stranger/duplicate, or leave it unidentified. */
  expect: 'apply' | 'stranger' | 'duplicate' | 'unidentified';
  partyId: string | null;
  allocations: Map<string, bigint>;
  adjustment: { kind: 'bank_fee' | 'discount'; installmentId: string; amountMinor: bigint } | null;
  onAccountMinor: bigint;
  /** Whether the data determines the answer (recall counts only these). */
  identifiable: boolean;
}

export interface Scenario {
  seed: number;
  parties: PartyProfile[];
  items: OpenItem[];
  lines: BankLine[];
  priorLines: BankLine[];
  memory: MatchMemory;
  truth: Map<string, Truth>;
}

export interface GeneratorOptions {
  parties: number;
  lines: number;
  /** Invoices per ordinary party (min, max). */
  invoicesPerParty: [number, number];
  /** Share of parties that are head offices of a group. */
  groupShare: number;
}

export const DEFAULT_GENERATOR: GeneratorOptions = {
  parties: 400,
  lines: 1500,
  invoicesPerParty: [2, 14],
  groupShare: 0.05,
};

// ---------------------------------------------------------------------------------------------

export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(arr: readonly T[]): T;
  chance(p: number): boolean;
}

export function createRng(seed: number): Rng {
  let a = (seed * 2654435761) >>> 0 || 0x9e3779b9;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (arr) => arr[int(arr.length)]!, chance: (p) => next() < p };
}

const CITIES = [
  ['上海', 'Shanghai'], ['北京', 'Beijing'], ['深圳', 'Shenzhen'], ['广州', 'Guangzhou'], ['杭州', 'Hangzhou'],
  ['南京', 'Nanjing'], ['苏州', 'Suzhou'], ['成都', 'Chengdu'], ['武汉', 'Wuhan'], ['天津', 'Tianjin'],
  ['宁波', 'Ningbo'], ['青岛', 'Qingdao'], ['厦门', 'Xiamen'], ['重庆', 'Chongqing'], ['无锡', 'Wuxi'],
] as const;
const CORES = [
  ['华信', 'Huaxin'], ['恒达', 'Hengda'], ['瑞丰', 'Ruifeng'], ['金桥', 'Jinqiao'], ['宏远', 'Hongyuan'], ['新华', 'Xinhua'],
  ['东方', 'Dongfang'], ['中远', 'Zhongyuan'], ['天成', 'Tiancheng'], ['永泰', 'Yongtai'], ['联创', 'Lianchuang'],
  ['佳和', 'Jiahe'], ['博远', 'Boyuan'], ['正泰', 'Zhengtai'], ['鼎盛', 'Dingsheng'], ['广源', 'Guangyuan'],
  ['海联', 'Hailian'], ['长江', 'Changjiang'], ['明德', 'Mingde'], ['盛世', 'Shengshi'], ['通达', 'Tongda'],
  ['安盛', 'Ansheng'], ['华润', 'Huarun'], ['凯越', 'Kaiyue'], ['信达', 'Xinda'], ['嘉禾', 'Jiahe2'], ['银河', 'Yinhe'],
  ['远航', 'Yuanhang'], ['锦程', 'Jincheng'], ['力拓', 'Lituo'], ['同舟', 'Tongzhou'], ['启明', 'Qiming'], ['立信', 'Lixin'],
  ['万邦', 'Wanbang'], ['德润', 'Derun'], ['光明', 'Guangming'], ['九州', 'Jiuzhou'], ['汇丰', 'Huifeng'], ['弘毅', 'Hongyi'],
  ['创新', 'Chuangxin'], ['合力', 'Heli'], ['百川', 'Baichuan'], ['泰和', 'Taihe'], ['万和', 'Wanhe'], ['众诚', 'Zhongcheng'],
  ['华宇', 'Huayu'], ['中科', 'Zhongke'], ['顺达', 'Shunda'], ['国泰', 'Guotai'], ['新元', 'Xinyuan'], ['星辰', 'Xingchen'],
  ['瑞景', 'Ruijing'], ['恒信', 'Hengxin'], ['宝丰', 'Baofeng'], ['金石', 'Jinshi'], ['蓝天', 'Lantian'], ['朗润', 'Langrun'],
  ['松柏', 'Songbai'], ['云帆', 'Yunfan'], ['龙腾', 'Longteng'], ['和信', 'Hexin'], ['福瑞', 'Furui'], ['腾飞', 'Tengfei'],
  ['兴业', 'Xingye'], ['东升', 'Dongsheng'], ['南华', 'Nanhua'], ['北辰', 'Beichen'], ['西域', 'Xiyu'], ['中联', 'Zhonglian'],
  ['天翼', 'Tianyi'], ['鸿达', 'Hongda'], ['宏图', 'Hongtu'], ['凯旋', 'Kaixuan'], ['华夏', 'Huaxia'], ['金鼎', 'Jinding'],
  ['瀚海', 'Hanhai'], ['卓越', 'Zhuoyue'], ['骏马', 'Junma'], ['青松', 'Qingsong'], ['春晖', 'Chunhui'],
] as const;
const INDUSTRIES = [
  ['贸易', 'Trading'], ['科技', 'Technology'], ['机械', 'Machinery'], ['电子', 'Electronics'], ['物流', 'Logistics'],
  ['材料', 'Materials'], ['化工', 'Chemical'], ['医疗器械', 'Medical Devices'], ['食品', 'Foods'], ['建设', 'Construction'],
  ['信息技术', 'Information Technology'], ['环保', 'Environmental'], ['新能源', 'New Energy'], ['包装', 'Packaging'],
  ['汽车零部件', 'Auto Parts'], ['纺织', 'Textile'], ['软件', 'Software'], ['实业', 'Industrial'], ['精密制造', 'Precision'],
  ['供应链管理', 'Supply Chain'],
] as const;
const FORMS = ['有限公司', '有限公司', '有限公司', '股份有限公司', '有限责任公司'];
/** Extra words widening the name space for large scenarios (used once the plain names run out). */
const MIDS = [
  ['国际', 'International'], ['联合', 'United'], ['环球', 'Global'], ['新创', 'Xinchuang'], ['华东', 'East China'],
  ['智能', 'Smart'], ['数码', 'Digital'], ['工业', 'Industrial'], ['万通', 'Wantong'], ['先锋', 'Pioneer'],
  ['远东', 'Far East'], ['兴达', 'Xingda'], ['恒通', 'Hengtong'], ['鑫源', 'Xinyuan2'], ['金盛', 'Jinsheng'],
  ['立达', 'Lida'], ['中天', 'Zhongtian'], ['昌盛', 'Changsheng'], ['嘉德', 'Jiade'], ['润丰', 'Runfeng'],
] as const;
const EN_NAMES = [
  'Northwind', 'Blue Harbor', 'Silverline', 'Apex', 'Meridian', 'Crestview', 'Ironbridge', 'Oakridge', 'Brightwater',
  'Redwood', 'Summit', 'Lakeside', 'Pioneer', 'Evergreen', 'Falcon', 'Granite', 'Horizon', 'Keystone', 'Maple', 'Orion',
];
const EN_INDUSTRY = ['Components', 'Trading', 'Logistics', 'Instruments', 'Foods', 'Textiles', 'Systems', 'Supplies'];
const EN_FORMS = ['Ltd', 'Ltd.', 'Limited', 'Inc.', 'GmbH', 'Pte. Ltd.', 'LLC'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌峰辉鹏宇浩晨欣怡佳琪子轩梓涵一诺'.split('');
const BANKS = ['中国工商银行上海分行', '中国建设银行北京朝阳支行', '招商银行深圳分行营业部', '中国银行杭州分行', '交通银行苏州分行'];
const TAX = ['国家税务总局上海市税务局', '国家税务总局深圳市税务局', '国家金库上海分库'];

interface PartyGen {
  profile: PartyProfile;
  zh: { city: string; core: string; industry: string; form: string } | null;
  en: string | null;
  currency: string;
  recurring: bigint | null;
  personal: { name: string; account: string } | null;
}

interface ItemGen {
  item: OpenItem;
  left: bigint;
}

const DIG = '0123456789';
function digits(rng: Rng, n: number): string {
  let s = String(1 + rng.int(9));
  for (let i = 1; i < n; i++) s += DIG[rng.int(10)];
  return s;
}

function money(rng: Rng, currency: string): bigint {
  // Log-uniform 800 … 600,000 (CNY) / 200 … 80,000 (USD), with cents; some round.
  const [lo, hi] = currency === 'USD' ? [200, 80_000] : [800, 600_000];
  const v = Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  if (rng.chance(0.25)) return BigInt(Math.round(v / 100) * 100) * 100n;
  return BigInt(Math.round(v * 100));
}

export function generateScenario(seed: number, options: Partial<GeneratorOptions> = {}): Scenario {
  const opt = { ...DEFAULT_GENERATOR, ...options };
  const rng = createRng(seed);
  const today = '2025-06-30';
  // --- parties ------------------------------------------------------------------------------
  const parties: PartyGen[] = [];
  const usedNames = new Set<string>();
  const usedCores = new Map<string, string>(); // core+industry → city used first (for traps)
  let pid = 0;
  const newAccount = (): string => {
    const bank = rng.int(3);
    if (bank === 0) return `6222 ${digits(rng, 4)} ${digits(rng, 4)} ${digits(rng, 4)} ${digits(rng, 3)}`;
    if (bank === 1) return digits(rng, 19);
    return `${digits(rng, 4)}-${digits(rng, 4)}-${digits(rng, 6)}`;
  };
  const personName = (): string => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.6) ? rng.pick(GIVEN) : '');
  const makeZh = (parentId: string | null, coreFixed?: string): PartyGen | null => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const [city, cityEn] = rng.pick(CITIES);
      let [core, coreEn]: readonly [string, string] = coreFixed ? (CORES.find((c) => c[0] === coreFixed) ?? rng.pick(CORES)) : rng.pick(CORES);
      if (attempt >= 10 || usedNames.size > 12_000) {
        const [mid, midEn] = rng.pick(MIDS);
        core = `${core}${mid}`;
        coreEn = `${coreEn} ${midEn}`;
      }
      const [industry, indEn] = rng.pick(INDUSTRIES);
      const key = `${core}${industry}`;
      // A trap: the same core+industry in another city (a different company).
      const firstCity = usedCores.get(key);
      if (firstCity !== undefined && (firstCity === city || !rng.chance(0.15))) continue;
      const form = rng.pick(FORMS);
      const name = `${city}${core}${industry}${form}`;
      if (usedNames.has(`${city}${core}${industry}`)) continue;
      usedNames.add(`${city}${core}${industry}`);
      if (firstCity === undefined) usedCores.set(key, city);
      const id = `P${String(++pid).padStart(6, '0')}`;
      const accounts = rng.chance(0.88) ? [newAccount(), ...(rng.chance(0.3) ? [newAccount()] : [])] : [];
      return {
        profile: {
          id,
          code: `C${pid}`,
          name,
          nameEn: rng.chance(0.25) ? `${coreEn} ${indEn} (${cityEn}) Co., Ltd.` : null,
          shortName: rng.chance(0.5) ? `${core}${industry}` : null,
          parentId,
          accounts,
        },
        zh: { city, core, industry, form },
        en: null,
        currency: 'CNY',
        recurring: null,
        personal: null,
      };
    }
    return null;
  };
  const makeEn = (): PartyGen | null => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const base = `${rng.pick(EN_NAMES)} ${rng.pick(EN_INDUSTRY)}`;
      const name = `${base} ${rng.pick(EN_FORMS)}`;
      if (usedNames.has(base)) continue;
      usedNames.add(base);
      const id = `P${String(++pid).padStart(6, '0')}`;
      return {
        profile: { id, code: `C${pid}`, name, nameEn: null, shortName: null, parentId: null, accounts: [newAccount()] },
        zh: null,
        en: base,
        currency: 'USD',
        recurring: null,
        personal: null,
      };
    }
    return null;
  };
  for (let guardP = 0; parties.length < opt.parties && guardP < opt.parties * 20; guardP++) {
    const r = rng.next();
    if (r < opt.groupShare) {
      const parent = makeZh(null);
      if (!parent) continue;
      parent.profile.name = `${parent.zh!.core}集团${rng.chance(0.5) ? '有限公司' : '股份有限公司'}`;
      parent.profile.shortName = `${parent.zh!.core}集团`;
      parent.profile.nameEn = null;
      parties.push(parent);
      const n = 2 + rng.int(5);
      for (let i = 0; i < n; i++) {
        const sub = makeZh(parent.profile.id, parent.zh!.core);
        if (sub) parties.push(sub);
      }
    } else if (r < opt.groupShare + 0.06) {
      const p = makeEn();
      if (p) parties.push(p);
    } else {
      const p = makeZh(null);
      if (p) parties.push(p);
    }
  }
  for (const p of parties) {
    if (p.zh && rng.chance(0.1)) p.recurring = money(rng, p.currency);
    if (p.zh && rng.chance(0.05)) p.personal = { name: personName(), account: newAccount() };
  }
  const children = new Map<string, PartyGen[]>();
  for (const p of parties) {
    if (p.profile.parentId) children.set(p.profile.parentId, [...(children.get(p.profile.parentId) ?? []), p]);
  }

  // --- items ---------------------------------------------------------------------------------
  type Batch = { party: PartyGen; count: number };
  const batches: Batch[] = [];
  for (const p of parties) {
    const isParent = children.has(p.profile.id);
    const [lo, hi] = opt.invoicesPerParty;
    let n = isParent ? 1 + rng.int(3) : lo + rng.int(hi - lo + 1);
    while (n > 0) {
      const c = Math.min(n, 1 + rng.int(4));
      batches.push({ party: p, count: c });
      n -= c;
    }
  }
  // Shuffle batches (Fisher–Yates) so numbering interleaves parties but keeps runs.
  for (let i = batches.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [batches[i], batches[j]] = [batches[j]!, batches[i]!];
  }
  const items: ItemGen[] = [];
  const itemsByParty = new Map<string, ItemGen[]>();
  const allNumbers = new Set<string>();
  const serialByYear = new Map<string, number>();
  let inst = 0;
  let contractSeq = 0;
  const contractOf = new Map<string, string>();
  for (const b of batches) {
    const p = b.party;
    const issueBase = addDays(today, -(20 + rng.int(330)));
    const yy = issueBase.slice(2, 4);
    let contract: string | null = null;
    if (rng.chance(0.35)) {
      contract = contractOf.get(p.profile.id) ?? `HT-${issueBase.slice(0, 4)}-${String(++contractSeq).padStart(4, '0')}`;
      contractOf.set(p.profile.id, contract);
    }
    for (let k = 0; k < b.count; k++) {
      const serial = (serialByYear.get(yy) ?? 0) + 1 + (rng.chance(0.03) ? 1 : 0);
      serialByYear.set(yy, serial);
      const invoiceNumber = `INV${yy}-${String(serial).padStart(6, '0')}`;
      allNumbers.add(invoiceNumber);
      const issueDate = addDays(issueBase, k);
      const terms = rng.pick([30, 30, 45, 60, 90]);
      const total = p.recurring ?? money(rng, p.currency);
      const nInst = rng.chance(0.12) ? 2 + rng.int(2) : 1;
      const parts: bigint[] = [];
      let rest = total;
      for (let s = 0; s < nInst; s++) {
        const part = s === nInst - 1 ? rest : (total * BigInt(30 + rng.int(30))) / 100n;
        parts.push(part);
        rest -= part;
      }
      const orderRef = rng.chance(0.2) ? `PO${digits(rng, 8)}` : null;
      parts.forEach((amount, s) => {
        let open = amount;
        if (rng.chance(0.12)) open = (amount * BigInt(20 + rng.int(70))) / 100n;
        if (open <= 0n) return;
        const item: OpenItem = {
          installmentId: `I${String(++inst).padStart(7, '0')}`,
          invoiceId: `V${invoiceNumber}`,
          invoiceNumber,
          seq: s + 1,
          contractNumber: contract,
          orderRef,
          partyId: p.profile.id,
          currency: p.currency,
          openMinor: open,
          issueDate,
          dueDate: addDays(issueDate, terms * (s + 1)),
        };
        const g = { item, left: open };
        items.push(g);
        const arr = itemsByParty.get(p.profile.id);
        if (arr) arr.push(g);
        else itemsByParty.set(p.profile.id, [g]);
      });
    }
  }
  const oldest = (a: ItemGen, b: ItemGen): number =>
    a.item.dueDate.localeCompare(b.item.dueDate) ||
    a.item.issueDate.localeCompare(b.item.issueDate) ||
    (a.item.installmentId < b.item.installmentId ? -1 : 1);
  for (const arr of itemsByParty.values()) arr.sort(oldest);

  // --- memory (history) ------------------------------------------------------------------------
  const memory = new MatchMemory();
  for (const p of parties) {
    if (p.personal) memory.add({ kind: 'confirmed', payerAccount: p.personal.account, payerName: p.personal.name, partyId: p.profile.id });
  }

  // --- lines -----------------------------------------------------------------------------------
  const kinds = Object.keys(KIND_WEIGHTS) as LineKind[];
  const totalW = kinds.reduce((s, k) => s + KIND_WEIGHTS[k], 0);
  const pickKind = (): LineKind => {
    let x = rng.next() * totalW;
    for (const k of kinds) {
      x -= KIND_WEIGHTS[k];
      if (x < 0) return k;
    }
    return 'ref_full';
  };
  const lines: BankLine[] = [];
  const truth = new Map<string, Truth>();
  const priorLines: BankLine[] = [];
  let lineSeq = 0;
  let refSeq = 0;
  const bankRef = (): string => `${rng.chance(0.5) ? 'FT' : 'CB'}${digits(rng, 12)}${String(++refSeq)}`;
  // Dates rise with generation order, so the engine (which runs by date) sees lines in the order
  // the generator meant them (a later line may depend on what an earlier one paid).
  const lineDate = (): string => addDays(today, -30 + Math.floor((30 * lines.length) / opt.lines));
  const nonParents = parties.filter((p) => !children.has(p.profile.id));
  const parents = parties.filter((p) => children.has(p.profile.id));
  // Items no line of this run has touched yet.
  // Only whole invoices untouched by earlier lines are picked, so the truth never depends on
  // whether the engine applied an earlier line.
  const touchedInvoices = new Set<string>();
  const touchedParties = new Set<string>();
  const openOf = (p: PartyGen): ItemGen[] =>
    (itemsByParty.get(p.profile.id) ?? []).filter((g) => g.left > 0n && !touchedInvoices.has(g.item.invoiceNumber));
  const pristine = (p: PartyGen): boolean =>
    !touchedParties.has(p.profile.id) && (children.get(p.profile.id) ?? []).every((c) => !touchedParties.has(c.profile.id));
  const groupOpen = (p: PartyGen): ItemGen[] => {
    const out = [...openOf(p)];
    for (const c of children.get(p.profile.id) ?? []) out.push(...openOf(c));
    return out.sort(oldest);
  };

  const variantName = (p: PartyGen): string => {
    if (p.en) return rng.chance(0.5) ? p.en.toUpperCase() : `${p.en} ${rng.pick(EN_FORMS)}`;
    const z = p.zh!;
    if (p.profile.name.includes('集团')) return rng.chance(0.5) ? `${z.core}集团` : `${z.core}（集团）有限公司`;
    const forms = [
      `${z.core}${z.industry}（${z.city}）${z.form}`,
      `${z.core}${z.industry}(${z.city})${z.form}`,
      `${z.city}${z.core}${z.industry}`,
      `${z.city}市${z.core}${z.industry}${rng.pick(FORMS)}`,
      `${z.city}${z.core}${z.industry}${z.form === '有限公司' ? '股份有限公司' : '有限公司'}`,
    ];
    if (p.profile.nameEn) forms.push(p.profile.nameEn.toUpperCase().replace(/[.,]/g, ''));
    return rng.pick(forms);
  };
  const identityFor = (p: PartyGen): { identity: Identity; payerName: string; payerAccount: string } => {
    const x = rng.next();
    if (x < 0.6 && p.profile.accounts.length > 0) {
      return { identity: 'account', payerName: rng.chance(0.8) ? p.profile.name : variantName(p), payerAccount: rng.pick(p.profile.accounts) };
    }
    if (x < 0.78) return { identity: 'name', payerName: p.profile.name, payerAccount: newAccount() };
    if (x < 0.96 || p.en) return { identity: 'variant', payerName: variantName(p), payerAccount: newAccount() };
    // Truncated by the bank (long names cut at 12 characters).
    const n = p.profile.name;
    return { identity: 'truncated', payerName: n.length > 12 ? n.slice(0, 12) : n, payerAccount: newAccount() };
  };
  const genericText = (): string | null => rng.pick([null, '货款', '付款', '往来款', '支付货款', 'PAYMENT', '']) || null;
  const refText = (nums: string[], sepChoice?: string): string => {
    const sep = sepChoice ?? rng.pick([',', '/', '、', ' ', '，']);
    const pre = rng.pick(['货款 ', '付', '支付发票', 'Payment for ', 'INV: ', '', '发票号:']);
    return pre + nums.join(sep);
  };
  const formOf = (num: string): string => {
    const x = rng.next();
    if (x < 0.3) return num.replace('-', '');
    if (x < 0.55) return num.replace(/^INV/, '').replace('-', '');
    if (x < 0.8) return num.slice(num.indexOf('-') + 1);
    return num.toLowerCase();
  };
  const typoOf = (num: string): string | null => {
    const serialStart = num.indexOf('-') + 1;
    for (let t = 0; t < 20; t++) {
      const chars = num.split('');
      if (rng.chance(0.5)) {
        const i = serialStart + rng.int(num.length - serialStart);
        const d = String(rng.int(10));
        if (chars[i] === d) continue;
        chars[i] = d;
      } else {
        const i = serialStart + rng.int(num.length - serialStart - 1);
        if (chars[i] === chars[i + 1]) continue;
        [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
      }
      const out = chars.join('');
      if (!allNumbers.has(out)) return out;
    }
    return null;
  };
  const pay = (g: ItemGen, amount: bigint): void => {
    g.left -= amount;
    touchedInvoices.add(g.item.invoiceNumber);
    touchedParties.add(g.item.partyId);
  };
  const uniqueSubset = (pool: ItemGen[], chosenIds: Set<string>, amount: bigint): boolean => {
    const cands = pool.slice(0, 40);
    const res = subsetSum(
      cands.map((g) => g.left),
      amount,
      amount,
      { maxItems: 6, maxNodes: 200_000, maxSolutions: 2 },
    );
    if (res.solutions.length !== 1 || res.truncated) return false;
    const sol = res.solutions[0]!.map((i) => cands[i]!.item.installmentId);
    return sol.length === chosenIds.size && sol.every((id) => chosenIds.has(id));
  };

  const emit = (line: Omit<BankLine, 'id' | 'side' | 'bankReference'> & { bankReference?: string | null }, t: Omit<Truth, 'lineId'>): BankLine => {
    const id = `L${seed}-${String(++lineSeq).padStart(6, '0')}`;
    const full: BankLine = { id, side: 'AR', bankReference: line.bankReference === undefined ? bankRef() : line.bankReference, ...line };
    lines.push(full);
    truth.set(id, { lineId: id, ...t });
    return full;
  };
  const apply = (
    p: PartyGen,
    kind: LineKind,
    identity: { identity: Identity; payerName: string | null; payerAccount: string | null },
    amount: bigint,
    remittance: string | null,
    allocs: [ItemGen, bigint][],
    extra: { adjustment?: Truth['adjustment']; onAccount?: bigint; identifiable?: boolean; advice?: RemittanceAdvice } = {},
  ): void => {
    for (const [g, a] of allocs) pay(g, a);
    if (extra.adjustment) {
      const g = allocs.find(([x]) => x.item.installmentId === extra.adjustment!.installmentId);
      if (g) pay(g[0], extra.adjustment.amountMinor);
    }
    emit(
      {
        amountMinor: amount,
        currency: p.currency,
        date: lineDate(),
        payerName: identity.payerName,
        payerAccount: identity.payerAccount,
        remittance,
        advice: extra.advice ?? null,
      },
      {
        kind,
        identity: identity.identity,
        expect: 'apply',
        partyId: p.profile.id,
        allocations: new Map(allocs.map(([g, a]) => [g.item.installmentId, a])),
        adjustment: extra.adjustment ?? null,
        onAccountMinor: extra.onAccount ?? 0n,
        identifiable: extra.identifiable ?? true,
      },
    );
  };
  const noParty = (kind: LineKind, expect: Truth['expect'], line: Omit<BankLine, 'id' | 'side' | 'bankReference'>): void => {
    emit(line, {
      kind,
      identity: 'none',
      expect,
      partyId: null,
      allocations: new Map(),
      adjustment: null,
      onAccountMinor: 0n,
      identifiable: false,
    });
  };

  // A few lines imported before this run (already applied); some will be repeated.
  for (let i = 0; i < Math.max(3, Math.floor(opt.lines / 100)); i++) {
    const p = rng.pick(nonParents);
    priorLines.push({
      id: `PRIOR${seed}-${i}`,
      side: 'AR',
      amountMinor: money(rng, p.currency),
      currency: p.currency,
      date: addDays(today, -30 - rng.int(30)),
      payerName: p.profile.name,
      payerAccount: p.profile.accounts[0] ?? null,
      remittance: '货款',
      bankReference: bankRef(),
    });
  }

  let guard = 0;
  while (lines.length < opt.lines && guard++ < opt.lines * 20) {
    const kind = pickKind();
    const p = rng.pick(nonParents);
    const open = openOf(p);
    const id = identityFor(p);
    switch (kind) {
      case 'ref_full':
      case 'ref_digits':
      case 'ref_typo': {
        const g = open[rng.int(open.length)];
        if (!g) continue;
        // An invoice with several installments: pay the installment(s) open, all of them.
        const siblings = open.filter((x) => x.item.invoiceNumber === g.item.invoiceNumber);
        const amount = siblings.reduce((s, x) => s + x.left, 0n);
        let num: string | null = g.item.invoiceNumber;
        if (kind === 'ref_digits') num = formOf(num);
        if (kind === 'ref_typo') num = typoOf(num);
        if (!num) continue;
        apply(p, kind, id, amount, refText([num]), siblings.map((x) => [x, x.left]));
        break;
      }
      case 'ref_multi':
      case 'ref_range': {
        if (open.length < 2) continue;
        let chosen: ItemGen[];
        let text: string;
        if (kind === 'ref_range') {
          // Consecutive numbers of this party, all open in full.
          const nums = [...new Set(open.map((g) => g.item.invoiceNumber))].sort();
          let run: string[] = [];
          for (let i = 0; i < nums.length && run.length < 2; i++) {
            run = [nums[i]!];
            for (let j = i + 1; j < nums.length; j++) {
              const a = Number(nums[j - 1]!.slice(-6));
              const b = Number(nums[j]!.slice(-6));
              if (b === a + 1 && nums[j]!.slice(0, 5) === nums[i]!.slice(0, 5)) run.push(nums[j]!);
              else break;
            }
          }
          if (run.length < 2) continue;
          const all = (itemsByParty.get(p.profile.id) ?? []).filter((g) => run.includes(g.item.invoiceNumber));
          if (all.some((g) => g.left !== g.item.openMinor || g.left <= 0n)) continue;
          // Every number in the range must belong to this party (else the range would include others).
          chosen = all;
          const first = run[0]!;
          const last = run[run.length - 1]!;
          text = rng.pick([
            `${first}~${last.slice(-6)}`,
            `${first}至${last.slice(-3)}`,
            `${first} TO ${last}`,
            `发票${first}-${last.slice(-6)}`,
          ]);
        } else {
          const k = Math.min(open.length, 2 + rng.int(3));
          const idx = new Set<number>();
          while (idx.size < k) idx.add(rng.int(open.length));
          const invs = [...new Set([...idx].map((i) => open[i]!.item.invoiceNumber))];
          chosen = open.filter((g) => invs.includes(g.item.invoiceNumber));
          const sorted = invs.sort();
          const x = rng.next();
          if (x < 0.5) text = refText(sorted);
          else if (x < 0.75) text = refText(sorted.map((n, i) => (i === 0 ? n : n.slice(-6))));
          else text = refText(sorted.map((n, i) => (i === 0 ? n : formOf(n))));
        }
        const amount = chosen.reduce((s, g) => s + g.left, 0n);
        apply(p, kind, id, amount, text, chosen.map((g) => [g, g.left]));
        break;
      }
      case 'contract_ref': {
        const withC = open.filter((g) => g.item.contractNumber);
        const g = withC[rng.int(withC.length)];
        if (!g) continue;
        const contractItems = withC.filter((x) => x.item.contractNumber === g.item.contractNumber);
        const all = rng.chance(0.4);
        const chosen = all ? contractItems : [g];
        const amount = chosen.reduce((s, x) => s + x.left, 0n);
        // Identifiable if the amount singles the chosen items out within the contract.
        let identifiable = true;
        if (!all) identifiable = contractItems.filter((x) => x.left === g.left).length === 1;
        // Paying the whole contract: the amount equals its open total, always identifiable.
        const c = g.item.contractNumber!;
        apply(p, kind, id, amount, rng.pick([`合同${c}`, `合同号 ${c} 货款`, `Contract ${c}`, `${c.replace(/-/g, '')}款`]), chosen.map((x) => [x, x.left]), { identifiable });
        break;
      }
      case 'exact_amount': {
        if (open.length === 0) continue;
        const g = rng.chance(0.7) ? open[0]! : open[rng.int(open.length)]!;
        const same = open.filter((x) => x.left === g.left);
        // Two open items of the same amount and no text: the data cannot tell which (top-3 can).
        const identifiable = same.length === 1;
        apply(p, kind, id, g.left, genericText(), [[g, g.left]], { identifiable });
        break;
      }
      case 'combination': {
        if (open.length < 3) continue;
        const window = open.slice(0, Math.min(open.length, 8));
        const k = 2 + rng.int(Math.min(3, window.length - 1));
        const idx = new Set<number>();
        while (idx.size < k) idx.add(rng.int(window.length));
        const chosen = [...idx].sort((a, b) => a - b).map((i) => window[i]!);
        const amount = chosen.reduce((s, g) => s + g.left, 0n);
        const identifiable = uniqueSubset(open, new Set(chosen.map((g) => g.item.installmentId)), amount) && !open.some((g) => g.left === amount);
        apply(p, kind, id, amount, genericText(), chosen.map((g) => [g, g.left]), { identifiable });
        break;
      }
      case 'partial_ref':
      case 'partial_noref': {
        const g = kind === 'partial_noref' ? open[0] : open[rng.int(open.length)];
        if (!g || (kind === 'partial_noref' && !pristine(p))) continue;
        if (kind === 'partial_ref' && open.some((x) => x !== g && x.item.invoiceNumber === g.item.invoiceNumber)) continue;
        const amount = (g.left * BigInt(25 + rng.int(60))) / 100n;
        if (amount <= 0n) continue;
        const text = kind === 'partial_ref' ? rng.pick([`${g.item.invoiceNumber} 部分付款`, `付${g.item.invoiceNumber}首期`, `Partial payment ${g.item.invoiceNumber}`]) : genericText();
        // Without text: identifiable only when nothing else explains the amount.
        const tolP = p.currency === 'USD' ? 2500n : 5000n;
        const identifiable =
          kind === 'partial_ref' ||
          (!open.some((x) => x.left === amount || (x.left > amount && x.left - amount <= tolP)) && !uniqueSubsetAny(open, amount));
        apply(p, kind, id, amount, text, [[g, amount]], { identifiable });
        break;
      }
      case 'overpayment': {
        if (open.length === 0) continue;
        const extraAmt = BigInt(100 + rng.int(5000)) * 100n;
        if (rng.chance(0.65)) {
          const g = open[rng.int(open.length)]!;
          if (open.some((x) => x !== g && x.item.invoiceNumber === g.item.invoiceNumber)) continue;
          apply(p, kind, id, g.left + extraAmt, refText([g.item.invoiceNumber]), [[g, g.left]], { onAccount: extraAmt });
        } else {
          if (!pristine(p)) continue;
          const total = open.reduce((s, g) => s + g.left, 0n);
          apply(p, kind, id, total + extraAmt, genericText(), open.map((g) => [g, g.left]), { onAccount: extraAmt });
        }
        break;
      }
      case 'fee_short':
      case 'discount': {
        const g = open[rng.int(open.length)];
        if (!g) continue;
        let adj: bigint;
        if (kind === 'fee_short') adj = p.currency === 'USD' ? BigInt(rng.pick([10, 15, 20, 25])) * 100n : BigInt(rng.pick([5, 10, 15, 20, 25, 50])) * 100n;
        else adj = (g.left * BigInt(rng.pick([100, 200])) * 2n + 10_000n) / 20_000n;
        if (adj <= 0n || adj >= g.left) continue;
        if (open.some((x) => x !== g && x.item.invoiceNumber === g.item.invoiceNumber)) continue;
        const withText = rng.chance(kind === 'fee_short' ? 0.5 : 0.3);
        const amount = g.left - adj;
        const ambiguous = open.filter((x) => x.left > amount && x.left - amount <= (p.currency === 'USD' ? 2500n : 5000n)).length > 1 || open.some((x) => x.left === amount);
        apply(p, kind, id, amount, withText ? refText([g.item.invoiceNumber]) : genericText(), [[g, amount]], {
          adjustment: { kind: kind === 'fee_short' ? 'bank_fee' : 'discount', installmentId: g.item.installmentId, amountMinor: adj },
          identifiable: withText || (!ambiguous && kind === 'fee_short') || (kind === 'discount' && !ambiguous),
        });
        break;
      }
      case 'lump_advice':
      case 'lump_noadvice':
      case 'parent_sub': {
        const parent = rng.pick(parents.length > 0 ? parents : nonParents);
        const pool = groupOpen(parent);
        if (pool.length < 3) continue;
        const pid2 = identityFor(parent);
        if (kind === 'parent_sub') {
          const subItems = pool.filter((g) => g.item.partyId !== parent.profile.id);
          const g = subItems[rng.int(subItems.length)];
          if (!g || pool.some((x) => x !== g && x.item.invoiceNumber === g.item.invoiceNumber)) continue;
          const withText = rng.chance(0.6);
          const identifiable = withText || pool.filter((x) => x.left === g.left).length === 1 && pool[0] !== undefined;
          apply(parent, kind, pid2, g.left, withText ? refText([g.item.invoiceNumber]) : genericText(), [[g, g.left]], { identifiable });
        } else if (kind === 'lump_noadvice') {
          if (!pristine(parent)) continue;
          const k = Math.min(pool.length, 3 + rng.int(Math.max(1, pool.length - 2)));
          const cutoff = pool[k - 1]!.item.dueDate;
          const chosen = pool.filter((g) => g.item.dueDate <= cutoff);
          const amount = chosen.reduce((s, g) => s + g.left, 0n);
          apply(parent, kind, pid2, amount, rng.pick([`${cutoff.slice(0, 7)}前到期货款`, '集团统一付款', null]), chosen.map((g) => [g, g.left]));
        } else {
          const k = Math.min(pool.length, 5 + rng.int(60));
          const idx = new Set<number>();
          while (idx.size < k) idx.add(rng.int(pool.length));
          const chosenRaw = [...idx].sort((a, b) => a - b).map((i) => pool[i]!);
          // Whole invoices (all open installments of each) so an advice line is per invoice.
          const invs = [...new Set(chosenRaw.map((g) => g.item.invoiceNumber))];
          const chosen = pool.filter((g) => invs.includes(g.item.invoiceNumber));
          const adviceLines: RemittanceAdviceLine[] = [];
          const allocs: [ItemGen, bigint][] = [];
          for (const inv of invs) {
            const its = chosen.filter((g) => g.item.invoiceNumber === inv).sort((a, b) => a.item.seq - b.item.seq);
            const full = its.reduce((s, g) => s + g.left, 0n);
            let amt = full;
            if (its.length === 1 && rng.chance(0.1)) amt = (full * BigInt(30 + rng.int(60))) / 100n;
            if (amt <= 0n) continue;
            adviceLines.push({ invoiceNumber: rng.chance(0.8) ? inv : inv.replace(/^INV/, '').replace('-', ''), amountMinor: amt });
            let left = amt;
            for (const g of its) {
              const take = g.left < left ? g.left : left;
              if (take > 0n) allocs.push([g, take]);
              left -= take;
            }
          }
          const amount = adviceLines.reduce((s, l) => s + l.amountMinor, 0n);
          apply(parent, kind, pid2, amount, `付款通知 RA-${digits(rng, 6)}`, allocs, { advice: { reference: `RA-${refSeq}`, lines: adviceLines } });
        }
        break;
      }
      case 'memory_payer': {
        const q = rng.pick(nonParents.filter((x) => x.personal) .concat([]));
        if (!q?.personal) continue;
        const qo = openOf(q);
        const g = qo[0];
        if (!g) continue;
        apply(q, kind, { identity: 'memory', payerName: q.personal.name, payerAccount: q.personal.account }, g.left, rng.pick([null, '转账', '货款']), [[g, g.left]], {
          identifiable: qo.filter((x) => x.left === g.left).length === 1,
        });
        break;
      }
      case 'stranger_interest':
        noParty(kind, 'stranger', {
          amountMinor: BigInt(1 + rng.int(300000)),
          currency: 'CNY',
          date: lineDate(),
          payerName: rng.chance(0.7) ? rng.pick(BANKS) : null,
          payerAccount: null,
          remittance: rng.pick(['利息收入', '结息', '存款利息', '活期结息 2025Q2', 'INTEREST']),
        });
        break;
      case 'stranger_tax':
        noParty(kind, 'stranger', {
          amountMinor: money(rng, 'CNY'),
          currency: 'CNY',
          date: lineDate(),
          payerName: rng.pick(TAX),
          payerAccount: digits(rng, 16),
          remittance: rng.pick(['出口退税', '增值税留抵退税', '退税款', '税款退还']),
        });
        break;
      case 'stranger_personal':
        noParty(kind, 'stranger', {
          amountMinor: BigInt(100 + rng.int(50000)) * 100n,
          currency: 'CNY',
          date: lineDate(),
          payerName: personName(),
          payerAccount: newAccount(),
          remittance: rng.pick(['转账', '还款', '报销', null, '借款归还']),
        });
        break;
      case 'stranger_company': {
        const name = `${rng.pick(CITIES)[0]}${rng.pick(['宇航', '星海', '恒山', '玉龙', '碧水'])}${rng.pick(INDUSTRIES)[0]}有限公司`;
        noParty(kind, 'unidentified', {
          amountMinor: money(rng, 'CNY') + 1n,
          currency: 'CNY',
          date: lineDate(),
          payerName: name,
          payerAccount: newAccount(),
          remittance: rng.pick(['往来款', '货款', '保证金', null]),
        });
        break;
      }
      case 'duplicate': {
        const src = rng.chance(0.3) || lines.length === 0 ? rng.pick(priorLines) : rng.pick(lines);
        const sameRef = rng.chance(0.7);
        const copy: Omit<BankLine, 'id' | 'side' | 'bankReference'> & { bankReference: string | null } = {
          amountMinor: src.amountMinor,
          currency: src.currency,
          date: src.date,
          payerName: src.payerName,
          payerAccount: src.payerAccount,
          remittance: src.remittance,
          advice: src.advice ?? null,
          bankReference: sameRef ? src.bankReference : null,
        };
        // A duplicate of a line of this run must come after it: same date, later in the file.
        emit(copy, {
          kind,
          identity: 'none',
          expect: 'duplicate',
          partyId: null,
          allocations: new Map(),
          adjustment: null,
          onAccountMinor: 0n,
          identifiable: false,
        });
        break;
      }
      case 'unidentifiable': {
        const g = open[0];
        if (!g) continue;
        const amount = (g.left * BigInt(20 + rng.int(50))) / 100n;
        if (amount <= 0n) continue;
        apply(p, kind, { identity: 'none', payerName: personName(), payerAccount: newAccount() }, amount, rng.pick([null, '转账']), [[g, amount]], {
          identifiable: false,
        });
        break;
      }
    }
  }

  return {
    seed,
    parties: parties.map((p) => p.profile),
    items: items.map((g) => g.item),
    lines,
    priorLines,
    memory,
    truth,
  };
}

function uniqueSubsetAny(pool: ItemGen[], amount: bigint): boolean {
  const cands = pool.slice(0, 40);
  const res = subsetSum(
    cands.map((g) => g.left),
    amount,
    amount,
    { maxItems: 6, maxNodes: 50_000, maxSolutions: 1 },
  );
  return res.solutions.length > 0;
}

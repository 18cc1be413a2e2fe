/**
 * Column headers as ERP systems (Kingdee 金蝶, Yonyou 用友, SAP), spreadsheets and Shoufu's own
 * exports spell them, mapped to the fields of a kind of import. Matching ignores case, spaces,
 * punctuation and full-width/half-width differences; a bracketed suffix such as "(元)" or
 * "（本位币）" is tried away when the whole header is not known.
 *
 * Three families of kinds share the dictionary: parties (customers, suppliers), documents
 * (invoices, bills) and money (receipts, payments). Some headers hint at a side (客户编码 → AR,
 * 供应商编码 → AP), which decides the kind when none is given. A few change meaning with the side
 * (付款账号 is the payer's account on a receipt and our own on a payment): those map only on it.
 */
import { halfWidth } from './values';

export type Family = 'party' | 'invoice' | 'receipt' | 'contract';
export type Side = 'AR' | 'AP';

interface AliasSpec {
  name: string;
  /** Higher wins when two columns claim one field. */
  priority?: number;
  /** Where a column goes when a better column took its field (金额 → subtotal beside 价税合计). */
  fallback?: string;
}

export interface FieldSpec {
  key: string;
  zh: string;
  en: string;
  /** "name", "name@AR" (hints the side), "name!AR" (maps only on that side), or an object. */
  aliases: (string | AliasSpec)[];
  /** A known column whose values Shoufu derives itself (balances, status): reported as ignored. */
  ignore?: boolean;
}

const IGNORED_COMMON: FieldSpec[] = [
  { key: 'errorReason', zh: '错误原因', en: 'error', ignore: true, aliases: ['错误原因', '错误', 'error', 'errors', '错误原因/error'] },
  { key: 'sourceRow', zh: '原行号', en: 'source row', ignore: true, aliases: ['原行号', 'source row', '原行号/source row'] },
];

const PARTY_CODE_DOC = [
  '客户编码@AR', '客户代码@AR', '客户编号@AR', '客户号@AR', '客户ID@AR', '供应商编码@AP', '供应商代码@AP', '供应商编号@AP',
  '供应商号@AP', '往来单位编码', '往来单位编号', '往来单位代码', '往来户编码', '单位编码', '单位代码', 'customer code@AR',
  'customer no@AR', 'customer number@AR', 'customer id@AR', 'customer_code@AR', 'supplier code@AP', 'supplier_code@AP',
  'supplier no@AP', 'vendor code@AP', 'vendor no@AP', 'vendor number@AP', 'party code', 'party_code',
];
const PARTY_NAME_DOC = [
  '客户名称@AR', '客户@AR', '客户全称@AR', '购买方名称@AR', '购买方@AR', '购方名称@AR', '供应商名称@AP', '供应商@AP',
  '供应商全称@AP', '销售方名称@AP', '销售方@AP', '单位名称', '往来单位', '往来单位名称', '往来户', 'customer name@AR',
  'customer@AR', 'customer_name@AR', 'supplier name@AP', 'supplier@AP', 'supplier_name@AP', 'vendor@AP', 'vendor name@AP',
  'party name', 'party_name', 'company name',
];
const ENTITY = ['主体', '公司', '公司编码', '结算组织', '销售组织@AR', '采购组织@AP', '核算组织', '账套', '法人主体', 'entity', 'company', 'company code'];
const CURRENCY = ['币种', '币别', '货币', '币制', '交易币种', '结算币别', '结算币种', 'currency', 'ccy', 'cur'];
const PAYMENT_TERMS = [
  '账期', '付款期限', '信用期', '信用天数', '账期天数', '付款条件', '收款条件@AR', 'payment terms', 'payment_terms_days',
  'payment terms days', 'terms', 'credit days',
];

const PARTY_FIELDS: FieldSpec[] = [
  { key: 'partyCode', zh: '客户/供应商编码', en: 'party code', aliases: [...PARTY_CODE_DOC, '编码', '代码', 'code'] },
  { key: 'partyName', zh: '名称', en: 'name', aliases: [...PARTY_NAME_DOC, '名称', 'name'] },
  { key: 'nameEn', zh: '英文名称', en: 'English name', aliases: ['英文名称', '英文名', 'english name', 'name_en', 'name en'] },
  { key: 'shortName', zh: '简称', en: 'short name', aliases: ['简称', '客户简称@AR', '供应商简称@AP', 'short name', 'short_name'] },
  {
    key: 'uscc',
    zh: '统一社会信用代码',
    en: 'USCC / tax id',
    aliases: [
      '统一社会信用代码', '社会信用代码', '信用代码', '纳税人识别号', '纳税识别号', '税号', '购买方纳税人识别号@AR', '购方税号@AR',
      '销售方纳税人识别号@AP', 'uscc', 'tax id', 'taxpayer id', 'tax number', 'vat number',
    ],
  },
  { key: 'region', zh: '区域', en: 'region', aliases: ['区域', '地区', '销售区域@AR', '大区', '片区', 'region', 'area'] },
  { key: 'province', zh: '省份', en: 'province', aliases: ['省份', '省', '所在省份', 'province'] },
  { key: 'industry', zh: '行业', en: 'industry', aliases: ['行业', '所属行业', '行业分类', 'industry'] },
  {
    key: 'owner',
    zh: '业务员',
    en: 'owner',
    aliases: ['业务员', '销售员@AR', '负责人', '销售人员@AR', '客户经理@AR', '采购员@AP', 'owner', 'salesperson@AR', 'sales rep@AR', 'account manager'],
  },
  { key: 'paymentTerms', zh: '账期（天）', en: 'payment terms (days)', aliases: PAYMENT_TERMS },
  { key: 'creditLimit', zh: '信用额度', en: 'credit limit', aliases: ['信用额度', '授信额度', '信用限额', 'credit limit', 'credit_limit'] },
  { key: 'creditCurrency', zh: '信用额度币种', en: 'credit currency', aliases: ['信用额度币种', '额度币种', 'credit currency', 'credit_currency'] },
  {
    key: 'parentCode',
    zh: '上级单位',
    en: 'parent',
    aliases: ['上级单位编码', '上级客户编码@AR', '上级单位', '上级客户@AR', '母公司编码', '母公司', '集团编码', '总公司编码', 'parent code', 'parent_code', 'parent'],
  },
  { key: 'externalIds', zh: '外部编码', en: 'external ids', aliases: ['external_ids', 'external ids', '外部编码', '外部系统编码'] },
  { key: 'contactEmail', zh: '邮箱', en: 'e-mail', aliases: ['邮箱', '电子邮箱', '电子邮件', 'email', 'e-mail', 'contact email', 'contact_email'] },
  {
    key: 'balance',
    zh: '余额（系统计算）',
    en: 'balance (derived)',
    ignore: true,
    aliases: ['open_cny', 'overdue_cny', '未结余额', '逾期金额', '应收余额@AR', '应付余额@AP', '余额', 'open balance', 'overdue'],
  },
  ...IGNORED_COMMON,
];

const INVOICE_FIELDS: FieldSpec[] = [
  {
    key: 'number',
    zh: '单据编号',
    en: 'number',
    aliases: [
      ...['单据编号', '单据号', '单号', '单据编码', '单据号码', '应收单号@AR', '应付单号@AP', 'number', 'document number', 'document no', 'doc no'].map(
        (name) => ({ name, priority: 3 }),
      ),
      ...['bill number@AP', 'bill no@AP'].map((name) => ({ name, priority: 3 })),
      ...['发票号码', '发票号', '票号', '发票编号', 'invoice number', 'invoice no', 'invoice_number'].map((name) => ({
        name,
        priority: 2,
        fallback: 'einvoiceNumber',
      })),
    ],
  },
  {
    key: 'einvoiceNumber',
    zh: '数电票号码',
    en: 'e-invoice number',
    aliases: ['数电票号码', '数电发票号码', '全电发票号码', '电子发票号码', '税务发票号', 'einvoice_number', 'einvoice number', 'e-invoice number'],
  },
  { key: 'entity', zh: '主体', en: 'entity', aliases: ENTITY },
  { key: 'kind', zh: '红蓝字', en: 'kind', aliases: ['kind', '红蓝字', '红蓝字标志', '蓝红字'] },
  { key: 'partyCode', zh: '客户/供应商编码', en: 'party code', aliases: PARTY_CODE_DOC },
  { key: 'partyName', zh: '客户/供应商名称', en: 'party name', aliases: PARTY_NAME_DOC },
  {
    key: 'issueDate',
    zh: '开票日期',
    en: 'issue date',
    aliases: [
      '开票日期', '单据日期', '业务日期', '发票日期', '记账日期', '入账日期', '日期', 'invoice date', 'issue date', 'issue_date', 'date',
      'document date', 'posting date', 'bill date@AP',
    ],
  },
  {
    key: 'dueDate',
    zh: '到期日',
    en: 'due date',
    aliases: [
      '到期日', '到期日期', '到期时间', '应收日期@AR', '应收款日期@AR', '收款期限@AR', '最晚收款日@AR', '应付日期@AP', '应付款日期@AP',
      'due date', 'due_date', 'due',
    ],
  },
  { key: 'paymentTerms', zh: '账期（天）', en: 'payment terms (days)', aliases: PAYMENT_TERMS },
  { key: 'currency', zh: '币种', en: 'currency', aliases: CURRENCY },
  {
    key: 'total',
    zh: '价税合计',
    en: 'total incl. tax',
    aliases: [
      ...[
        '价税合计', '含税金额', '价税合计金额', '应收金额@AR', '应付金额@AP', '发票金额', '总金额', '合计金额', '单据金额', 'amount incl tax',
        'gross amount', 'total amount', 'total', 'invoice amount',
      ].map((name) => ({ name, priority: 3 })),
      { name: '金额', priority: 1, fallback: 'subtotal' },
      { name: 'amount', priority: 1, fallback: 'subtotal' },
    ],
  },
  { key: 'tax', zh: '税额', en: 'tax', aliases: ['税额', '税金', '增值税额', '销项税额@AR', '进项税额@AP', 'tax', 'tax amount', 'vat', 'vat amount'] },
  {
    key: 'subtotal',
    zh: '不含税金额',
    en: 'amount excl. tax',
    aliases: ['不含税金额', '无税金额', '金额(不含税)', '不含税', '净额', '不含税总额', 'net amount', 'amount excl tax', 'subtotal', 'net'],
  },
  { key: 'taxRate', zh: '税率', en: 'tax rate', aliases: ['税率', 'tax rate', 'vat rate'] },
  {
    key: 'description',
    zh: '摘要',
    en: 'description',
    aliases: ['摘要', '备注', '说明', '描述', '内容', 'description', 'remark', 'remarks', 'memo', 'note', 'notes'],
  },
  {
    key: 'orderRef',
    zh: '订单号',
    en: 'order ref',
    aliases: ['订单号', '订单编号', '销售订单号@AR', '采购订单号@AP', '源单编号', 'order ref', 'order_ref', 'order number', 'po number', 'po'],
  },
  { key: 'installmentCount', zh: '分期数', en: 'installments', aliases: ['installments', '分期数'] },
  { key: 'originalInvoice', zh: '原发票号', en: 'original invoice', aliases: ['original_invoice', 'original invoice', '原发票号', '原发票号码', '原蓝字发票号'] },
  {
    key: 'derived',
    zh: '余额与状态（系统计算）',
    en: 'balances and status (derived)',
    ignore: true,
    aliases: [
      'allocated', '已核销金额', '已收金额@AR', '已付金额@AP', 'open_balance', 'open balance', '未结余额', '余额', '未收金额@AR', '未付金额@AP',
      'overdue', '逾期金额', 'days_overdue', 'days overdue', '逾期天数', '账龄天数', 'status', '状态', '核销状态', '收款状态@AR', '付款状态@AP',
    ],
  },
  ...IGNORED_COMMON,
];

const CONTRACT_FIELDS: FieldSpec[] = [
  {
    key: 'number',
    zh: '合同编号',
    en: 'contract number',
    aliases: ['合同编号', '合同号', '合同编码', '合同代码', '销售合同号@AR', '采购合同号@AP', 'contract number', 'contract no', 'contract_no', 'contract id', 'number'],
  },
  { key: 'entity', zh: '主体', en: 'entity', aliases: ENTITY },
  { key: 'partyCode', zh: '客户/供应商编码', en: 'party code', aliases: PARTY_CODE_DOC },
  { key: 'partyName', zh: '客户/供应商名称', en: 'party name', aliases: [...PARTY_NAME_DOC, '甲方@AR', '乙方@AP', '签约单位', '对方单位'] },
  { key: 'title', zh: '合同名称', en: 'title', aliases: ['合同名称', '合同标题', '项目名称', '合同内容', 'contract name', 'title', 'contract title', 'project'] },
  { key: 'currency', zh: '币种', en: 'currency', aliases: CURRENCY },
  {
    key: 'total',
    zh: '合同金额',
    en: 'contract amount',
    aliases: ['合同金额', '合同总额', '合同总金额', '含税合同金额', '合同价款', '签约金额', 'contract amount', 'contract value', 'total', 'amount'],
  },
  { key: 'signedOn', zh: '签订日期', en: 'signed on', aliases: ['签订日期', '签约日期', '合同日期', '签署日期', 'signed on', 'signed_on', 'signing date', 'contract date'] },
  { key: 'validFrom', zh: '生效日期', en: 'valid from', aliases: ['生效日期', '开始日期', '起始日期', '合同开始日期', 'valid from', 'valid_from', 'effective date', 'start date'] },
  { key: 'paymentTerms', zh: '账期（天）', en: 'payment terms (days)', aliases: PAYMENT_TERMS.filter((a) => a !== '付款条件' && a !== '收款条件@AR') },
  {
    key: 'schedule',
    zh: '付款计划',
    en: 'payment schedule',
    aliases: ['付款计划', '收款计划@AR', '付款条件', '收款条件@AR', '付款方式', '结算方式', '付款节点', 'payment schedule', 'schedule', 'milestones', 'payment plan'],
  },
  {
    key: 'derived',
    zh: '执行情况（系统计算）',
    en: 'progress (derived)',
    ignore: true,
    aliases: ['已开票金额', '已收款金额@AR', '已付款金额@AP', '未开票金额', '执行状态', '合同状态', 'version', '版本', 'status', '状态', 'invoiced', 'open_balance'],
  },
  ...IGNORED_COMMON,
];

const RECEIPT_FIELDS: FieldSpec[] = [
  {
    key: 'number',
    zh: '单据编号',
    en: 'number',
    aliases: [
      '收款单号@AR', '付款单号@AP', '单据编号', '单据号', '单号', '凭证号', 'number', 'document number', 'receipt number@AR', 'receipt no@AR',
      'payment number@AP', 'payment no@AP',
    ],
  },
  {
    key: 'bankReference',
    zh: '银行流水号',
    en: 'bank reference',
    aliases: [
      '银行流水号', '交易流水号', '流水号', '银行交易流水号', '银行交易号', '交易参考号', '交易号', '银行参考号', 'bank reference', 'bank_reference',
      'bank ref', 'reference', 'transaction id', 'transaction reference',
    ],
  },
  { key: 'entity', zh: '主体', en: 'entity', aliases: ENTITY },
  { key: 'partyCode', zh: '客户/供应商编码', en: 'party code', aliases: [...PARTY_CODE_DOC, '付款单位编码!AR', '收款单位编码!AP'] },
  {
    key: 'partyName',
    zh: '客户/供应商名称',
    en: 'party name',
    aliases: ['客户名称@AR', '客户@AR', '供应商名称@AP', '供应商@AP', '往来单位', '往来单位名称', 'party_name', 'party name', 'customer name@AR', 'supplier name@AP'],
  },
  {
    key: 'counterpartyName',
    zh: '付款方/对方户名',
    en: 'counterparty name',
    aliases: [
      '付款方!AR', '付款人!AR', '付款单位!AR', '付款方名称!AR', '付款人名称!AR', '收款方!AP', '收款人!AP', '收款单位!AP', '收款方名称!AP',
      '收款人名称!AP', '对方户名', '对方名称', '对方单位', '对方账户名称', '对方户名称', 'counterparty', 'counterparty name', 'counterparty_name',
      'payer!AR', 'payee!AP',
    ],
  },
  {
    key: 'counterpartyAccount',
    zh: '对方账号',
    en: 'counterparty account',
    aliases: [
      '对方账号', '对方账户', '对方银行账号', '付款账号!AR', '付款人账号!AR', '付款方账号!AR', '收款账号!AP', '收款人账号!AP', '收款方账号!AP',
      'counterparty account', 'counterparty_account',
    ],
  },
  {
    key: 'bankAccount',
    zh: '本方账号',
    en: 'our bank account',
    aliases: ['本方账号', '我方账号', '本单位账号', '收款账号!AR', '付款账号!AP', 'bank account', 'bank_account', 'our account'],
  },
  {
    key: 'receiptDate',
    zh: '收付款日期',
    en: 'date',
    aliases: [
      '收款日期@AR', '付款日期@AP', '到账日期', '交易日期', '交易时间', '入账日期', '记账日期', '业务日期', '单据日期', '日期', 'receipt date@AR',
      'payment date@AP', 'date', 'value date', 'transaction date',
    ],
  },
  { key: 'currency', zh: '币种', en: 'currency', aliases: CURRENCY },
  {
    key: 'amount',
    zh: '收付款金额',
    en: 'amount',
    aliases: [
      '收款金额@AR', '付款金额@AP', '实收金额@AR', '实付金额@AP', '收款额@AR', '付款额@AP', '金额', '交易金额', '到账金额', 'amount',
      'receipt amount@AR', 'payment amount@AP',
    ],
  },
  { key: 'method', zh: '结算方式', en: 'method', aliases: ['结算方式', '收款方式@AR', '付款方式@AP', '支付方式', 'method', 'payment method'] },
  {
    key: 'remittance',
    zh: '摘要/附言',
    en: 'remittance',
    aliases: ['摘要', '附言', '用途', '备注', '交易附言', '汇款附言', '说明', 'remittance', 'memo', 'remark', 'purpose', 'description'],
  },
  {
    key: 'settles',
    zh: '核销发票号',
    en: 'invoices settled',
    aliases: [
      '核销发票号', '核销发票', '核销发票号码', '核销单号', '核销单据', '发票号', '发票号码', '对应发票', '对应发票号', '关联发票', 'invoice numbers',
      'invoices', 'invoice number', 'invoice no', 'settles', 'settled invoices',
    ],
  },
  {
    key: 'derived',
    zh: '核销金额（系统计算）',
    en: 'allocated (derived)',
    ignore: true,
    aliases: ['allocated', 'unapplied', '已核销金额', '未核销金额', '核销状态'],
  },
  ...IGNORED_COMMON,
];

export const FAMILY_FIELDS: Record<Family, FieldSpec[]> = { party: PARTY_FIELDS, invoice: INVOICE_FIELDS, receipt: RECEIPT_FIELDS, contract: CONTRACT_FIELDS };

/** Fields a file of the family must have as columns (any one of each group). */
export const REQUIRED_COLUMNS: Record<Family, string[][]> = {
  party: [['partyCode']],
  invoice: [['number'], ['issueDate'], ['total', 'subtotal'], ['partyCode', 'partyName']],
  receipt: [['receiptDate'], ['amount'], ['number', 'bankReference']],
  contract: [['number'], ['total'], ['partyCode', 'partyName'], ['signedOn', 'validFrom']],
};

// ---------------------------------------------------------------------------------------------
// Normalisation and lookup
// ---------------------------------------------------------------------------------------------

const PUNCTUATION = /[\s_\-.:*#'"`·•,，;；、/\\|]+/g;

/** The comparable form of a header: half-width, lower case, no spaces or punctuation. */
export function normalizeHeader(text: string): string {
  return halfWidth(text).toLowerCase().replace(PUNCTUATION, '').replace(/[【［]/g, '[').replace(/[】］]/g, ']');
}

/** The header without bracketed parts: "价税合计(本位币)" → "价税合计". */
function strippedHeader(text: string): string {
  return normalizeHeader(text).replace(/\([^)]*\)|\[[^\]]*\]|<[^>]*>/g, '');
}

interface AliasEntry {
  field: string;
  priority: number;
  fallback: string | null;
  /** The side this alias points at (a hint), and whether it maps on that side only. */
  side: Side | null;
  exclusive: boolean;
  ignore: boolean;
}

function buildIndex(fields: FieldSpec[]): Map<string, AliasEntry[]> {
  const index = new Map<string, AliasEntry[]>();
  for (const f of fields) {
    for (const a of f.aliases) {
      const spec = typeof a === 'string' ? { name: a } : a;
      const m = /^(.*?)(?:([@!])(AR|AP))?$/.exec(spec.name)!;
      const key = normalizeHeader(m[1]!);
      const entry: AliasEntry = {
        field: f.key,
        priority: spec.priority ?? 2,
        fallback: spec.fallback ?? null,
        side: (m[3] as Side | undefined) ?? null,
        exclusive: m[2] === '!',
        ignore: !!f.ignore,
      };
      index.set(key, [...(index.get(key) ?? []), entry]);
    }
  }
  return index;
}

const INDEX: Record<Family, Map<string, AliasEntry[]>> = {
  party: buildIndex(PARTY_FIELDS),
  invoice: buildIndex(INVOICE_FIELDS),
  receipt: buildIndex(RECEIPT_FIELDS),
  contract: buildIndex(CONTRACT_FIELDS),
};

export function fieldSpec(family: Family, key: string): FieldSpec | undefined {
  return FAMILY_FIELDS[family].find((f) => f.key === key);
}

/** Column letters as a spreadsheet names them: 0 → A, 26 → AA. */
export function columnRef(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Matching a header row
// ---------------------------------------------------------------------------------------------

export type ColumnStatus = 'mapped' | 'ignored' | 'unrecognised' | 'duplicate' | 'blank';

export interface ColumnMatch {
  index: number;
  ref: string;
  header: string;
  normalized: string;
  field: string | null;
  status: ColumnStatus;
  /** How the column was mapped: by the dictionary, or by the user's mapping. */
  source: 'dictionary' | 'mapping' | null;
  sideHint: Side | null;
}

export interface HeaderMatch {
  family: Family;
  columns: ColumnMatch[];
  /** field → column index, for mapped fields. */
  fields: Map<string, number>;
}

/** User mappings: normalised header → field key or "ignore". */
export type ColumnOverrides = Record<string, string>;

export function normalizeOverrides(map: Record<string, string> | undefined | null): ColumnOverrides {
  const out: ColumnOverrides = {};
  for (const [header, field] of Object.entries(map ?? {})) out[normalizeHeader(header)] = field.trim();
  return out;
}

/**
 * Maps each header cell to a field of the family. With a side, aliases meant for the other side
 * only are not used. When two columns claim a field, the higher-priority alias (an exact match
 * before a bracket-stripped one, then the earlier column) wins; the other moves to its fallback
 * field if it has one and it is free, else it is reported as a duplicate.
 */
export function matchHeader(header: readonly string[], family: Family, side: Side | null, overrides: ColumnOverrides = {}): HeaderMatch {
  return { family, ...matchColumns(INDEX[family], header, side, overrides) };
}

function matchColumns(
  index: Map<string, AliasEntry[]>,
  header: readonly string[],
  side: Side | null,
  overrides: ColumnOverrides,
): { columns: ColumnMatch[]; fields: Map<string, number> } {
  type Claim = { col: number; entry: AliasEntry; rank: number };
  const claims: Claim[] = [];
  const columns: ColumnMatch[] = header.map((raw, i) => {
    const headerText = raw.trim();
    const normalized = normalizeHeader(headerText);
    const base: ColumnMatch = {
      index: i,
      ref: columnRef(i),
      header: headerText,
      normalized,
      field: null,
      status: headerText === '' ? 'blank' : 'unrecognised',
      source: null,
      sideHint: null,
    };
    if (headerText === '') return base;
    const override = overrides[normalized];
    if (override !== undefined) {
      if (override === 'ignore') return { ...base, status: 'ignored', source: 'mapping' };
      claims.push({ col: i, entry: { field: override, priority: 10, fallback: null, side: null, exclusive: false, ignore: false }, rank: 10 });
      return { ...base, source: 'mapping' };
    }
    const pick = (entries: AliasEntry[] | undefined) =>
      entries?.find((e) => !e.exclusive || side === null || e.side === side) ?? null;
    let entry = pick(index.get(normalized));
    let rank = entry ? entry.priority : 0;
    if (!entry) {
      entry = pick(index.get(strippedHeader(headerText)));
      rank = entry ? entry.priority - 0.5 : 0;
    }
    if (!entry) return base;
    const hinted = { ...base, sideHint: entry.side, source: 'dictionary' as const };
    if (entry.ignore) return { ...hinted, field: entry.field, status: 'ignored' };
    claims.push({ col: i, entry, rank });
    return hinted;
  });

  const fields = new Map<string, number>();
  const byRank = [...claims].sort((a, b) => b.rank - a.rank || a.col - b.col);
  const losers: Claim[] = [];
  for (const c of byRank) {
    if (fields.has(c.entry.field)) losers.push(c);
    else {
      fields.set(c.entry.field, c.col);
      columns[c.col] = { ...columns[c.col]!, field: c.entry.field, status: 'mapped' };
    }
  }
  for (const c of losers) {
    const fb = c.entry.fallback;
    if (fb && !fields.has(fb)) {
      fields.set(fb, c.col);
      columns[c.col] = { ...columns[c.col]!, field: fb, status: 'mapped' };
    } else {
      columns[c.col] = { ...columns[c.col]!, field: c.entry.field, status: 'duplicate' };
    }
  }
  return { columns, fields };
}

/** The required column groups the match lacks, as field keys (one group per entry). */
export function missingColumns(match: HeaderMatch): string[][] {
  return REQUIRED_COLUMNS[match.family].filter((group) => !group.some((f) => match.fields.has(f)));
}

/** How many cells of a row are known headers of any family (or of the given one). */
export function knownHeaderCount(cells: readonly string[], family: Family | null, overrides: ColumnOverrides = {}): number {
  const families: Family[] = family ? [family] : ['party', 'invoice', 'receipt', 'contract'];
  let best = 0;
  for (const f of families) {
    const m = matchHeader(cells, f, null, overrides);
    best = Math.max(best, m.columns.filter((c) => c.status === 'mapped' || (c.status === 'ignored' && c.source === 'dictionary') || c.status === 'duplicate').length);
  }
  return best;
}

export type ImportKind = 'customers' | 'suppliers' | 'invoices' | 'bills' | 'receipts' | 'payments' | 'contracts' | 'purchase_contracts';
export const IMPORT_KINDS: readonly ImportKind[] = ['customers', 'suppliers', 'invoices', 'bills', 'receipts', 'payments', 'contracts', 'purchase_contracts'];
export const KIND_INFO: Record<ImportKind, { family: Family; side: Side }> = {
  customers: { family: 'party', side: 'AR' },
  suppliers: { family: 'party', side: 'AP' },
  invoices: { family: 'invoice', side: 'AR' },
  bills: { family: 'invoice', side: 'AP' },
  receipts: { family: 'receipt', side: 'AR' },
  payments: { family: 'receipt', side: 'AP' },
  contracts: { family: 'contract', side: 'AR' },
  purchase_contracts: { family: 'contract', side: 'AP' },
};

export function kindOf(family: Family, side: Side): ImportKind {
  return IMPORT_KINDS.find((k) => KIND_INFO[k].family === family && KIND_INFO[k].side === side)!;
}

export type KindDetection =
  | { kind: ImportKind; scores: Record<Family, number> }
  | { kind: null; reason: string; scores: Record<Family, number> };

/**
 * The kind a header row describes: the family whose required columns are all present and which
 * recognises the most columns, and the side the headers hint at (客户… → receivable, 供应商… →
 * payable). Ties and files without a hint are not guessed.
 */
export function detectKind(header: readonly string[], overrides: ColumnOverrides = {}): KindDetection {
  const scores = { party: 0, invoice: 0, receipt: 0, contract: 0 } as Record<Family, number>;
  const eligible: { family: Family; match: HeaderMatch; score: number }[] = [];
  for (const family of ['party', 'invoice', 'receipt', 'contract'] as Family[]) {
    const match = matchHeader(header, family, null, overrides);
    const score = match.columns.filter((c) => c.status === 'mapped').length;
    scores[family] = score;
    // A party file has a name or some other master-data column beside the code.
    const enough = family === 'party' ? score >= 2 : true;
    if (missingColumns(match).length === 0 && enough) eligible.push({ family, match, score });
  }
  if (eligible.length === 0) {
    return { kind: null, reason: 'the columns do not match customers, suppliers, invoices, bills, receipts, payments or contracts', scores };
  }
  eligible.sort((a, b) => b.score - a.score);
  const [best, second] = eligible;
  if (second && second.score === best!.score) {
    return { kind: null, reason: `the columns fit both ${best!.family} and ${second.family} files`, scores };
  }
  let ar = 0;
  let ap = 0;
  for (const c of best!.match.columns) {
    if (c.status === 'blank' || c.status === 'unrecognised') continue;
    if (c.sideHint === 'AR') ar++;
    if (c.sideHint === 'AP') ap++;
  }
  if (ar === ap) {
    const what = { party: 'customers or suppliers', invoice: 'invoices or bills', receipt: 'receipts or payments', contract: 'sales or purchase contracts' }[best!.family];
    return { kind: null, reason: `the headers do not say whether these are ${what}`, scores };
  }
  return { kind: kindOf(best!.family, ar > ap ? 'AR' : 'AP'), scores };
}

// ---------------------------------------------------------------------------------------------
// Bank statement tables (银行流水 / 对账单 exports): their own dictionary, outside the import kinds
// ---------------------------------------------------------------------------------------------

/**
 * Columns of a bank statement table as Chinese banks (工行, 建行, 农行, 中行, 招行, 交行 …) and
 * English-language online banking export them. Read by src/import/statements/tabular.ts; not an
 * import kind (the statement import turns each row into a receipt or a payment itself).
 */
export const STATEMENT_FIELDS: FieldSpec[] = [
  {
    key: 'date',
    zh: '交易日期',
    en: 'date',
    aliases: [
      ...['交易日期', '记账日期', '入账日期', '账务日期', '交易日', '日期', 'date', 'transaction date', 'booking date', 'posting date', 'posted date', 'trans date'].map(
        (name) => ({ name, priority: 3 }),
      ),
      // 交易时间 alone holds date and time; beside a 交易日期 column it is the time of day.
      ...['交易时间', '记账时间', '入账时间', 'time', 'transaction time'].map((name) => ({ name, priority: 1, fallback: 'time' })),
    ],
  },
  { key: 'time', zh: '交易时间', en: 'time', aliases: ['时间'] },
  { key: 'valueDate', zh: '起息日', en: 'value date', aliases: ['起息日', '起息日期', '计息日', 'value date', 'valuedate'] },
  {
    key: 'credit',
    zh: '贷方发生额',
    en: 'credit',
    aliases: [
      '贷方发生额', '贷方金额', '贷方发生额(元)', '贷方', '收入金额', '收入', '收入额', '存入金额', '存入', '转入金额', '来账金额', '收款金额',
      'credit', 'credits', 'credit amount', 'cr', 'cr amount', 'deposit', 'deposits', 'money in', 'paid in', 'amount in',
    ],
  },
  {
    key: 'debit',
    zh: '借方发生额',
    en: 'debit',
    aliases: [
      '借方发生额', '借方金额', '借方发生额(元)', '借方', '支出金额', '支出', '支出额', '取出金额', '支取金额', '转出金额', '往账金额', '付款金额',
      'debit', 'debits', 'debit amount', 'dr', 'dr amount', 'withdrawal', 'withdrawals', 'money out', 'paid out', 'amount out',
    ],
  },
  { key: 'amount', zh: '交易金额', en: 'amount', aliases: ['交易金额', '发生额', '金额', '交易额', 'amount', 'transaction amount'] },
  {
    key: 'direction',
    zh: '借贷标志',
    en: 'debit/credit',
    aliases: [
      '借贷标志', '借贷方向', '借贷', '借/贷', '借贷标识', '收支标志', '收支', '收/支', '收支方向', '收支类型', '交易方向', '资金方向', '方向',
      'dr/cr', 'cr/dr', 'debit/credit', 'credit/debit', 'd/c', 'c/d', 'direction',
    ],
  },
  { key: 'balance', zh: '余额', en: 'balance', aliases: ['余额', '账户余额', '当前余额', '交易后余额', '联机余额', '本次余额', 'balance', 'running balance', 'account balance'] },
  { key: 'currency', zh: '币种', en: 'currency', aliases: CURRENCY },
  {
    key: 'counterpartyName',
    zh: '对方户名',
    en: 'counterparty',
    aliases: [
      '对方户名', '对方名称', '对方单位', '对方单位名称', '对方账户名称', '对方账户名', '对方户名称', '收(付)款人名称', '收/付款人名称', '收付款人名称',
      '收(付)款人', '收付款人', '交易对方', '交易对手', '对手方名称', '对方', 'counterparty', 'counterparty name', 'payee/payer', 'payer/payee',
      'other party', 'beneficiary/remitter',
    ],
  },
  {
    key: 'counterpartyAccount',
    zh: '对方账号',
    en: 'counterparty account',
    aliases: [
      '对方账号', '对方账户', '对方银行账号', '对方卡号', '收(付)款人账号', '收/付款人账号', '收付款人账号', '对方账号/卡号', '对手方账号',
      'counterparty account', 'counterparty account number', 'other party account',
    ],
  },
  { key: 'counterpartyBank', zh: '对方开户行', en: 'counterparty bank', aliases: ['对方开户行', '对方开户银行', '对方行名', '对方银行', '收(付)款人开户行', 'counterparty bank'] },
  { key: 'summary', zh: '摘要', en: 'description', aliases: ['摘要', '交易摘要', '交易类型', '业务类型', '交易种类', '业务摘要', 'description', 'details', 'transaction type', 'type', 'narrative'] },
  {
    key: 'remittance',
    zh: '附言/用途',
    en: 'remittance',
    aliases: ['附言', '用途', '备注', '交易附言', '汇款附言', '附加信息', '交易用途', '资金用途', '用途/附言', '附言/用途', 'remark', 'remarks', 'memo', 'purpose', 'remittance', 'remittance info', 'note'],
  },
  {
    key: 'bankReference',
    zh: '流水号',
    en: 'reference',
    aliases: [
      ...['流水号', '交易流水号', '银行流水号', '业务流水号', '交易参考号', '银行交易流水号', '交易序号', '账务流水号', 'reference', 'bank reference', 'reference number', 'ref', 'ref no', 'transaction id', 'transaction reference'].map(
        (name) => ({ name, priority: 3 }),
      ),
      ...['凭证号', '凭证号码', '交易号', '参考号', '柜员流水号', 'voucher no'].map((name) => ({ name, priority: 1 })),
    ],
  },
  { key: 'account', zh: '本方账号', en: 'account', aliases: ['本方账号', '我方账号', '本方账户', '账号', '帐号', '账户', 'account', 'account number', 'account no'] },
  { key: 'accountName', zh: '本方户名', en: 'account name', aliases: ['本方户名', '我方户名', '户名', '账户名称', 'account name'] },
  { key: 'rowNumber', zh: '序号', en: 'no.', ignore: true, aliases: ['序号', '行号', 'no', 'no.'] },
];

const STATEMENT_INDEX = buildIndex(STATEMENT_FIELDS);

/** Maps a header row of a bank statement table to STATEMENT_FIELDS (no sides; same matching rules). */
export function matchStatementHeader(header: readonly string[], overrides: ColumnOverrides = {}): { columns: ColumnMatch[]; fields: Map<string, number> } {
  return matchColumns(STATEMENT_INDEX, header, null, overrides);
}
